# The shipped weight files (weights/*.h5): each matches its MANIFEST.md
# entry, and each places candidates better than chance on held-out instances.
dl2o_test_exe(test_shipped_weights test_shipped_weights.c)
foreach(family lasso-5x10 lasso-25x50 rastrigin-2 rastrigin-10 ackley-2 ackley-10)
  add_test(NAME weights.beats_random.${family} COMMAND test_shipped_weights ${family})
  set_tests_properties(weights.beats_random.${family} PROPERTIES ENVIRONMENT "OPENBLAS_NUM_THREADS=1")
endforeach()
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  add_test(NAME weights.manifest
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/check_weights.py $<TARGET_FILE:dl2o_cli>
            ${CMAKE_SOURCE_DIR}/weights)
endif()

# make demo's command on the shipped files, shrunk to 3 instances: both
# families' tables come out, and a missing weights folder is a clear error.
add_test(NAME weights.demo
  COMMAND dl2o_cli demo --weights-dir ${CMAKE_SOURCE_DIR}/weights --dir ${CMAKE_CURRENT_BINARY_DIR}/demo
          --instances 3 --budgets 200 --quiet)
set_tests_properties(weights.demo PROPERTIES
  PASS_REGULAR_EXPRESSION "## rastrigin-10.*dl2o multistart.*## ackley-10.*dl2o multistart")
add_test(NAME weights.demo_missing_dir
  COMMAND sh -c "\"$0\" demo --weights-dir \"$1\" --dir \"$2\" --quiet 2>\"$2.err\"; rc=$?; cat \"$2.err\"; [ $rc -eq 1 ] && grep -q 'no-such-dir/rastrigin-10.h5: No such file or directory; run from the source tree' \"$2.err\""
          $<TARGET_FILE:dl2o_cli> ${CMAKE_CURRENT_BINARY_DIR}/no-such-dir ${CMAKE_CURRENT_BINARY_DIR}/demo-missing)
