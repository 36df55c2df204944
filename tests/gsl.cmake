# GSL bridge (gsl_bridge/, issue 4) against the real GSL. One executable per
# area, one CTest case per minimizer type and per mode; all use the trained
# rastrigin-2 fixtures (fixtures.cmake).

set(DL2O_GSL_TYPES bfgs2 bfgs conjugate_fr conjugate_pr steepest_descent nmsimplex2
    nmsimplex2rand)
set(DL2O_GSL_TESTS)

dl2o_test_exe(test_gsl_bridge test_gsl_bridge.c)
foreach(t ${DL2O_GSL_TYPES})
  add_test(NAME gsl.type.${t} COMMAND test_gsl_bridge type ${t})
  list(APPEND DL2O_GSL_TESTS gsl.type.${t})
endforeach()
foreach(mode counting nan badinput)
  add_test(NAME gsl.${mode} COMMAND test_gsl_bridge ${mode})
  list(APPEND DL2O_GSL_TESTS gsl.${mode})
endforeach()

# Held-out rastrigin-2: learned restarts vs random restarts, equal budgets.
dl2o_test_exe(test_gsl_heldout test_gsl_heldout.c)
add_test(NAME gsl.heldout COMMAND test_gsl_heldout)
list(APPEND DL2O_GSL_TESTS gsl.heldout)

# `dl2o solve --solver gsl:ALG` against an outside recomputation of f.
dl2o_test_exe(test_gsl_cli test_gsl_cli.c)
add_test(NAME gsl.cli COMMAND test_gsl_cli)
list(APPEND DL2O_GSL_TESTS gsl.cli)

# The shipped example runs on the fixture model.
add_test(NAME gsl.example COMMAND $<TARGET_FILE:example_gsl_rastrigin_restarts>
         ${DL2O_FIXTURE_DIR}/rastrigin-2.probe.h5 20)
list(APPEND DL2O_GSL_TESTS gsl.example)

set_tests_properties(${DL2O_GSL_TESTS} PROPERTIES
  LABELS "gsl" TIMEOUT 60 ENVIRONMENT "OPENBLAS_NUM_THREADS=1;OMP_NUM_THREADS=1"
  FIXTURES_REQUIRED "model_r2_probe;model_r2_theta")
