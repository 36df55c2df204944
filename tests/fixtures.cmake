# Shared trained models for the suites that need one (bridges, CLI, e2e).
# Small on purpose: a few seconds each on 2 cores. Tests that use them say
# FIXTURES_REQUIRED and read the paths from DL2O_FIXTURE_DIR.
set(DL2O_FIXTURE_DIR ${CMAKE_BINARY_DIR}/test-fixtures)
set(DL2O_FIXTURE_TRAIN_ARGS --instances 1500 --restarts 3 --local-maxeval 100 --steps 400
    --width 64 --blocks 2 --oracle-width 64 --oracle-blocks 1 --seed 11 --quiet)

add_test(NAME fixture_model_rastrigin2_probe
  COMMAND ${CMAKE_COMMAND} -E env OPENBLAS_NUM_THREADS=1
          $<TARGET_FILE:dl2o_cli> train --family rastrigin-2 --guidance probe --probes 8
          ${DL2O_FIXTURE_TRAIN_ARGS} --out ${DL2O_FIXTURE_DIR}/rastrigin-2.probe.h5)
set_tests_properties(fixture_model_rastrigin2_probe PROPERTIES FIXTURES_SETUP model_r2_probe)

add_test(NAME fixture_model_rastrigin2_theta
  COMMAND ${CMAKE_COMMAND} -E env OPENBLAS_NUM_THREADS=1
          $<TARGET_FILE:dl2o_cli> train --family rastrigin-2 --guidance theta
          ${DL2O_FIXTURE_TRAIN_ARGS} --out ${DL2O_FIXTURE_DIR}/rastrigin-2.theta.h5)
set_tests_properties(fixture_model_rastrigin2_theta PROPERTIES FIXTURES_SETUP model_r2_theta)

# Anchored (guidance.h): probes plus a 30-evaluation LD_LBFGS run from the centre.
add_test(NAME fixture_model_rastrigin2_anchor
  COMMAND ${CMAKE_COMMAND} -E env OPENBLAS_NUM_THREADS=1
          $<TARGET_FILE:dl2o_cli> train --family rastrigin-2 --guidance probe --probes 8
          --anchor-maxeval 30 ${DL2O_FIXTURE_TRAIN_ARGS} --out ${DL2O_FIXTURE_DIR}/rastrigin-2.anchor.h5)
set_tests_properties(fixture_model_rastrigin2_anchor PROPERTIES FIXTURES_SETUP model_r2_anchor)

file(MAKE_DIRECTORY ${DL2O_FIXTURE_DIR})
