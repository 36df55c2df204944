# NLopt bridge (dl2o_nlopt.h), its CLI solver and its examples, against the
# real NLopt. Table-driven: one executable, one add_test per case.
# Label "nlopt"; run with  ctest -R nlopt  or  ctest -L nlopt.

set(DL2O_NLOPT_R2 model_r2_probe model_r2_theta)
set(DL2O_NLOPT_LASSO ${DL2O_FIXTURE_DIR}/lasso-5x10.probe.h5)

# A small probe-guided lasso-5x10 model (seconds), for the lasso example.
add_test(NAME nlopt.fixture_lasso
  COMMAND ${CMAKE_COMMAND} -E env OPENBLAS_NUM_THREADS=1
          $<TARGET_FILE:dl2o_cli> train --family lasso-5x10 --guidance probe --probes 12
          --instances 2000 --restarts 3 --local-maxeval 300 --steps 600 --width 64 --blocks 2
          --oracle-width 64 --oracle-blocks 1 --seed 5 --threads 2 --quiet --no-data-file
          --out ${DL2O_NLOPT_LASSO})
set_tests_properties(nlopt.fixture_lasso PROPERTIES FIXTURES_SETUP model_lasso510_probe)

dl2o_test_exe(test_nlopt_bridge test_nlopt_bridge.c)
foreach(case bounds probe nan errors forcestop stopval hops explore split)
  add_test(NAME nlopt.bridge.${case} COMMAND test_nlopt_bridge ${case})
  set_tests_properties(nlopt.bridge.${case} PROPERTIES FIXTURES_REQUIRED "${DL2O_NLOPT_R2}")
endforeach()

# The shared budget holds for gradient and derivative-free local solvers.
set(DL2O_NLOPT_ALGORITHMS LD_LBFGS LD_SLSQP LD_MMA LN_SBPLX LN_BOBYQA LN_COBYLA LN_NELDERMEAD)
foreach(alg ${DL2O_NLOPT_ALGORITHMS})
  add_test(NAME nlopt.budget.${alg} COMMAND test_nlopt_bridge budget ${alg})
  set_tests_properties(nlopt.budget.${alg} PROPERTIES FIXTURES_REQUIRED "${DL2O_NLOPT_R2}")
endforeach()

# Whether the lasso-5x10 warm start saves evaluations is a model-quality
# figure, measured by a benchmark (built, not run by ctest): see
# tests/bench/bench_nlopt_warm_lasso.c and docs/BENCHMARKS.md.
dl2o_test_exe(bench_nlopt_warm_lasso bench/bench_nlopt_warm_lasso.c)

dl2o_test_exe(test_nlopt_cli test_nlopt_cli.c)
add_test(NAME nlopt.cli COMMAND test_nlopt_cli)
set_tests_properties(nlopt.cli PROPERTIES FIXTURES_REQUIRED "${DL2O_NLOPT_R2}")

# The examples run as built; the rastrigin one prints the MLSL-LDS comparison.
add_test(NAME nlopt.example.lasso_warmstart
  COMMAND $<TARGET_FILE:example_nlopt_lasso_warmstart> ${DL2O_NLOPT_LASSO} 5)
set_tests_properties(nlopt.example.lasso_warmstart PROPERTIES
  FIXTURES_REQUIRED model_lasso510_probe)
add_test(NAME nlopt.example.rastrigin_multistart
  COMMAND $<TARGET_FILE:example_nlopt_rastrigin_multistart>
          ${DL2O_FIXTURE_DIR}/rastrigin-2.probe.h5 50 200)
set_tests_properties(nlopt.example.rastrigin_multistart PROPERTIES FIXTURES_REQUIRED model_r2_probe)

# Install into a temporary prefix, then build both examples the way a user
# would, with only  cc ... $(pkg-config --cflags --libs dl2o) -lm, and run them.
set(DL2O_NLOPT_PREFIX ${CMAKE_BINARY_DIR}/test-tmp/nlopt_install)
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/nlopt_install_test.sh [=[
set -eu
B=$1 T=$2 LIBDIR=$3 SRC=$4 CC=$5 CMAKE=$6 R2=$7 LASSO=$8
rm -rf "$T"
"$CMAKE" --install "$B" --prefix "$T" >/dev/null
export PKG_CONFIG_PATH="$T/$LIBDIR/pkgconfig"
inc=$(pkg-config --variable=includedir dl2o)
case "$inc" in
  "$T"/*) ;;
  *) echo "dl2o.pc installed under $T points at $inc: the .pc file is not relocatable" >&2
     exit 1 ;;
esac
flags=$(pkg-config --cflags --libs dl2o)
for ex in nlopt_lasso_warmstart nlopt_rastrigin_multistart; do
  "$CC" -std=c11 -Wall -Wextra -Werror -o "$T/$ex" "$SRC/examples/$ex.c" $flags -lm
done
"$T/nlopt_rastrigin_multistart" "$R2" 5 200
"$T/nlopt_lasso_warmstart" "$LASSO" 2
]=])
add_test(NAME nlopt.install_pkgconfig
  COMMAND sh ${CMAKE_CURRENT_BINARY_DIR}/nlopt_install_test.sh ${CMAKE_BINARY_DIR}
          ${DL2O_NLOPT_PREFIX} ${CMAKE_INSTALL_LIBDIR} ${CMAKE_SOURCE_DIR} ${CMAKE_C_COMPILER}
          ${CMAKE_COMMAND} ${DL2O_FIXTURE_DIR}/rastrigin-2.probe.h5 ${DL2O_NLOPT_LASSO})
set_tests_properties(nlopt.install_pkgconfig PROPERTIES
  FIXTURES_REQUIRED "model_r2_probe;model_lasso510_probe")

get_property(DL2O_NLOPT_TESTS DIRECTORY PROPERTY TESTS)
list(FILTER DL2O_NLOPT_TESTS INCLUDE REGEX "^nlopt\\.")
set_tests_properties(${DL2O_NLOPT_TESTS} PROPERTIES LABELS "nlopt" TIMEOUT 120
                     ENVIRONMENT "OPENBLAS_NUM_THREADS=1")
