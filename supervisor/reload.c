/* reload.c: being written */
#include "supervise.h"
