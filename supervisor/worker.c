/* worker.c: being written */
#include "supervise.h"
