/* cli.h — subcommands of the dl2o command and their shared helpers. */
#ifndef DL2O_CLI_H
#define DL2O_CLI_H

#include "dl2o.h"

int dl2o_cmd_train(int argc, char **argv);
int dl2o_cmd_info(int argc, char **argv);
int dl2o_cmd_sample(int argc, char **argv);
int dl2o_cmd_solve(int argc, char **argv);
int dl2o_cmd_demo(int argc, char **argv);

#endif
