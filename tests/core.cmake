# Core math: standard and custom families, noise schedules, RNG, CSV reader.
# Table-driven like NLopt's tests: one executable, one add_test per case.

dl2o_test_exe(test_family test_family.c)
set(DL2O_STANDARD_FAMILIES lasso-5x10 lasso-25x50 rastrigin-2 rastrigin-10 ackley-2 ackley-10)
foreach(fam ${DL2O_STANDARD_FAMILIES})
  # Needs ../shared/testvectors/${fam}.txt; a missing file is a failure.
  add_test(NAME family.${fam} COMMAND test_family ${fam})
endforeach()
add_test(NAME family.parse COMMAND test_family --parse)
add_test(NAME family.custom COMMAND test_family --custom)

dl2o_test_exe(test_schedule_rng test_schedule_rng.c)
add_test(NAME schedule_rng.schedule COMMAND test_schedule_rng schedule)
add_test(NAME schedule_rng.rng COMMAND test_schedule_rng rng)

dl2o_test_exe(test_csv test_csv.c)
add_test(NAME csv COMMAND test_csv)

set(DL2O_CORE_TESTS family.parse family.custom schedule_rng.schedule schedule_rng.rng csv)
foreach(fam ${DL2O_STANDARD_FAMILIES})
  list(APPEND DL2O_CORE_TESTS family.${fam})
endforeach()
set_tests_properties(${DL2O_CORE_TESTS} PROPERTIES LABELS "core" TIMEOUT 60)

# Best-known optima used by dl2o bench (plugin/reference.c).
dl2o_test_exe(test_reference test_reference.c)
foreach(fam ${DL2O_STANDARD_FAMILIES})
  add_test(NAME reference.${fam} COMMAND test_reference ${fam})
  set_tests_properties(reference.${fam} PROPERTIES LABELS "core" TIMEOUT 120)
endforeach()
