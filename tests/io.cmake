# File I/O: weight files and data files (plugin/model_io.c, plugin/data_io.c).
# One executable per file kind, one add_test per area; then h5py reads files
# the C code wrote, as a user would, with no custom code.

dl2o_test_exe(test_model_io test_model_io.c)
target_sources(test_model_io PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/io_util.c)
foreach(mode roundtrip malformed atomic)
  add_test(NAME io.${mode} COMMAND test_model_io ${mode})
endforeach()

dl2o_test_exe(test_data_io test_data_io.c)
target_sources(test_data_io PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/io_util.c)
add_test(NAME io.data COMMAND test_data_io)

# h5py check: the C side writes the files (fixture setup), Python reads them.
add_test(NAME io.h5py_write COMMAND test_model_io write)
set_tests_properties(io.h5py_write PROPERTIES FIXTURES_SETUP io_h5py_files)
if(EXISTS /usr/bin/python3)
  add_test(NAME io.h5py_check
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/check_h5py.py
                   ${CMAKE_BINARY_DIR}/test-tmp/io_h5py)
else()
  # No Python: report the check as skipped rather than passed.
  add_test(NAME io.h5py_check COMMAND sh -c "echo '/usr/bin/python3 not found'; exit 77")
endif()
set_tests_properties(io.h5py_check PROPERTIES FIXTURES_REQUIRED io_h5py_files
                                               SKIP_RETURN_CODE 77)

set_tests_properties(io.roundtrip io.malformed io.atomic io.data io.h5py_write io.h5py_check
                     PROPERTIES LABELS "io" TIMEOUT 60)
