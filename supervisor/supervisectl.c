/* supervisectl.c: being written */
#include "supervise.h"
int main(void) { return 0; }
