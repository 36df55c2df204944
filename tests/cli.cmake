# The dl2o command, checked from outside by a Python script that recomputes
# every objective value from the DESIGN.md definitions.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  add_test(NAME cli_formats_and_errors
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/check_cli.py $<TARGET_FILE:dl2o_cli>
            ${DL2O_FIXTURE_DIR}/rastrigin-2.probe.h5 ${CMAKE_BINARY_DIR}/test-tmp/cli)
  set_tests_properties(cli_formats_and_errors PROPERTIES FIXTURES_REQUIRED model_r2_probe)
endif()
if(Python3_Interpreter_FOUND)
  add_test(NAME cli_bench_protocol
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/check_bench.py $<TARGET_FILE:dl2o_cli>
            ${DL2O_FIXTURE_DIR}/rastrigin-2.probe.h5 ${CMAKE_BINARY_DIR}/test-tmp/bench)
  set_tests_properties(cli_bench_protocol PROPERTIES FIXTURES_REQUIRED model_r2_probe
                       ENVIRONMENT "OPENBLAS_NUM_THREADS=1")
endif()
