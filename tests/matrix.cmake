# The bad-input matrix (docs/ERRORS.md), table-driven like NLopt's tests:
#   matrix.api.ROW  one row of tests/test_matrix.c (the C API and the bridges)
#   matrix.cli.ROW  one row of tests/check_matrix.py (the dl2o command)
#   matrix.doc      every row is in docs/ERRORS.md and every test named there exists
# The row names are read from the two sources (ROW(name) lines and
# `def row_name(t):` functions), so adding a row there adds its test.
# Label "matrix"; run with  ctest -L matrix.

dl2o_test_exe(test_matrix test_matrix.c)
target_sources(test_matrix PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/io_util.c)

set(DL2O_MATRIX_C ${CMAKE_CURRENT_SOURCE_DIR}/test_matrix.c)
set(DL2O_MATRIX_PY ${CMAKE_CURRENT_SOURCE_DIR}/check_matrix.py)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${DL2O_MATRIX_C} ${DL2O_MATRIX_PY})

# Rows that expose a bug not fixed yet: the test exists and is listed by
# ctest as "Disabled"; delete the name here once the fix is in.
set(DL2O_MATRIX_KNOWN_BUGS
)

set(DL2O_MATRIX_TESTS)
file(STRINGS ${DL2O_MATRIX_C} _rows REGEX "^    ROW(_SKIPPABLE)?\\([a-z0-9_]+\\),")
set(DL2O_MATRIX_API_ROWS)
foreach(line ${_rows})
  string(REGEX REPLACE "^ *ROW(_SKIPPABLE)?\\(([a-z0-9_]+)\\),.*" "\\2" row "${line}")
  list(APPEND DL2O_MATRIX_API_ROWS ${row})
  add_test(NAME matrix.api.${row} COMMAND test_matrix ${row})
  list(APPEND DL2O_MATRIX_TESTS matrix.api.${row})
endforeach()

find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  # The interpreter itself, not a launcher script (pyenv's shim costs 0.3 s
  # a start, and there are ~45 CLI rows).
  execute_process(COMMAND ${Python3_EXECUTABLE} -c "import sys; print(sys.executable)"
                  OUTPUT_VARIABLE DL2O_MATRIX_PYTHON OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _py_rc)
  if(NOT _py_rc EQUAL 0 OR NOT EXISTS "${DL2O_MATRIX_PYTHON}")
    set(DL2O_MATRIX_PYTHON ${Python3_EXECUTABLE})
  endif()
  file(STRINGS ${DL2O_MATRIX_PY} _rows REGEX "^def row_[a-z0-9_]+\\(")
  foreach(line ${_rows})
    string(REGEX REPLACE "^def row_([a-z0-9_]+)\\(.*" "\\1" row "${line}")
    add_test(NAME matrix.cli.${row}
      COMMAND ${DL2O_MATRIX_PYTHON} ${DL2O_MATRIX_PY} $<TARGET_FILE:dl2o_cli>
              $<TARGET_FILE:test_matrix> ${DL2O_FIXTURE_DIR} ${CMAKE_BINARY_DIR}/test-tmp/matrix_cli
              ${row})
    list(APPEND DL2O_MATRIX_TESTS matrix.cli.${row})
  endforeach()
  string(REPLACE ";" "," _api "${DL2O_MATRIX_API_ROWS}")
  add_test(NAME matrix.doc
    COMMAND ${DL2O_MATRIX_PYTHON} ${DL2O_MATRIX_PY} --doc ${CMAKE_SOURCE_DIR}/docs/ERRORS.md ${_api})
  set_tests_properties(matrix.doc PROPERTIES LABELS "matrix" TIMEOUT 30)
endif()

set_tests_properties(${DL2O_MATRIX_TESTS} PROPERTIES
  LABELS "matrix" TIMEOUT 60 SKIP_RETURN_CODE 77
  ENVIRONMENT "OPENBLAS_NUM_THREADS=1;OMP_NUM_THREADS=1"
  FIXTURES_REQUIRED "model_r2_probe;model_r2_theta")
foreach(t ${DL2O_MATRIX_KNOWN_BUGS})
  if(TEST ${t})
    set_tests_properties(${t} PROPERTIES DISABLED TRUE)
  endif()
endforeach()
