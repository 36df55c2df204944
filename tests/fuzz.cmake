# Fuzzing (tests/fuzz/README.md). When clang can link libFuzzer, the targets
# are built by a fixture (tests/fuzz/fuzz.sh build, a separate clang + ASan +
# UBSan build in <build>/fuzz) and each runs a 20 s smoke test that first
# replays every reproducer in tests/fuzz/regressions/<target>/ and every seed.
# Without clang/libFuzzer the three tests report "skipped" (exit 77) with the
# reason. `make fuzz` runs longer campaigns.
# fuzz.hostile_cli feeds damaged weight files to info/sample/solve of the
# normal CLI and fails on any signal, hang or silent failure.
set(DL2O_FUZZ_SH ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz.sh)
set(DL2O_FUZZ_DIR ${CMAKE_BINARY_DIR}/fuzz)
set(DL2O_FUZZ_SECONDS 20 CACHE STRING "Seconds each fuzz target runs in the test suite")
execute_process(COMMAND sh ${DL2O_FUZZ_SH} check RESULT_VARIABLE dl2o_fuzz_ok
                OUTPUT_VARIABLE dl2o_fuzz_why ERROR_VARIABLE dl2o_fuzz_why)
if(dl2o_fuzz_ok EQUAL 0)
  add_test(NAME fuzz.build COMMAND sh ${DL2O_FUZZ_SH} build ${DL2O_FUZZ_DIR})
  set_tests_properties(fuzz.build PROPERTIES FIXTURES_SETUP fuzz_targets LABELS fuzz
                       TIMEOUT 900)
  foreach(target weights data csv)
    add_test(NAME fuzz.${target}
             COMMAND sh ${DL2O_FUZZ_SH} smoke ${DL2O_FUZZ_DIR} ${target} ${DL2O_FUZZ_SECONDS})
    set_tests_properties(fuzz.${target} PROPERTIES FIXTURES_REQUIRED fuzz_targets
                         LABELS fuzz TIMEOUT 300 SKIP_RETURN_CODE 77)
  endforeach()
else()
  string(REGEX REPLACE "\n.*" "" dl2o_fuzz_why "${dl2o_fuzz_why}")
  message(STATUS "Fuzz smoke tests skipped: ${dl2o_fuzz_why}")
  foreach(target weights data csv)
    add_test(NAME fuzz.${target}
             COMMAND sh -c "echo 'skipped: ${dl2o_fuzz_why}'; exit 77")
    set_tests_properties(fuzz.${target} PROPERTIES LABELS fuzz SKIP_RETURN_CODE 77)
  endforeach()
endif()

if(EXISTS /usr/bin/python3)
  add_test(NAME fuzz.hostile_cli
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/hostile_cli.py
                   $<TARGET_FILE:dl2o_cli> ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus
                   ${CMAKE_BINARY_DIR}/test-tmp/hostile_cli)
else()
  add_test(NAME fuzz.hostile_cli COMMAND sh -c "echo '/usr/bin/python3 not found'; exit 77")
endif()
set_tests_properties(fuzz.hostile_cli PROPERTIES LABELS fuzz TIMEOUT 300 SKIP_RETURN_CODE 77)
