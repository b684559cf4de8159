/* log.c: being written */
#include "supervise.h"
