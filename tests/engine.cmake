# Engine: network backprop, the training loss, samplers and the initializer.
dl2o_test_exe(test_mlp test_mlp.c)
add_test(NAME engine_mlp_and_loss_gradients COMMAND test_mlp)
dl2o_test_exe(test_sampler test_sampler.c)
add_test(NAME engine_sampler_reproducible COMMAND test_sampler)
dl2o_test_exe(test_initializer test_initializer.c)
add_test(NAME engine_initializer_propose COMMAND test_initializer)
set_tests_properties(engine_initializer_propose PROPERTIES
  FIXTURES_REQUIRED "model_r2_probe;model_r2_theta;model_r2_anchor")
dl2o_test_exe(test_e2e test_e2e.c)
add_test(NAME e2e_rastrigin2_beats_random COMMAND test_e2e)
set_tests_properties(e2e_rastrigin2_beats_random PROPERTIES FIXTURES_REQUIRED model_r2_probe)

# Benchmarks are built with the tests but not run by ctest: they report
# figures (tests/bench/run_engine_bench.sh), they do not assert on time.
dl2o_test_exe(bench_propose bench/bench_propose.c)
dl2o_test_exe(test_custom_family test_custom_family.c)
add_test(NAME engine_custom_family_train COMMAND test_custom_family)
dl2o_test_exe(test_rounds test_rounds.c)
add_test(NAME engine_data_rounds COMMAND test_rounds)
set_tests_properties(engine_data_rounds PROPERTIES ENVIRONMENT "OPENBLAS_NUM_THREADS=1")
dl2o_test_exe(test_guidance test_guidance.c)
add_test(NAME engine_guidance_values COMMAND test_guidance)
