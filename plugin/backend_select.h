/* backend_select.h — which compute backend a device request gets, in words.
 * (dl2o_backend_select itself is declared in core/backend.h.) */
#ifndef DL2O_BACKEND_SELECT_H
#define DL2O_BACKEND_SELECT_H

#include <stddef.h>

#include "dl2o.h"

/* Writes one line naming the backend that `requested` selects, e.g.
 *   "cuda (NVIDIA H200, sm_90, 139.8 GiB, device 0)"
 *   "cpu (no usable GPU: CUDA driver version is insufficient ...)"   (auto)
 *   "cpu (this build has no CUDA backend)"                          (auto)
 *   "cpu"                                                           (cpu)
 * and returns what dl2o_backend_select returns for it (on an error, buf
 * holds "" and dl2o_last_error() the reason). Prints nothing. */
dl2o_status dl2o_backend_describe(dl2o_device requested, char *buf, size_t size);

#endif
