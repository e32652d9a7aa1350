/* SPDX-License-Identifier: BSD-3-Clause */
#include "vio_log.h"

RTE_LOG_REGISTER(vio_logtype, lib.vireo.virtio, NOTICE);
