# Crash-safe training (tests/test_resume.c): runs stopped through the API
# callback, by SIGINT and by SIGTERM, checkpointed, resumed, and compared bit
# for bit with an uninterrupted run.
dl2o_test_exe(test_resume test_resume.c)
target_sources(test_resume PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/run_util.c)
add_test(NAME resume.api COMMAND test_resume api)
add_test(NAME resume.cli COMMAND test_resume cli)
set_tests_properties(resume.api resume.cli PROPERTIES LABELS "resume" TIMEOUT 120)
