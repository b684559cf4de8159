/* proto.c: being written */
#include "supervise.h"
