/* control.c: being written */
#include "supervise.h"
