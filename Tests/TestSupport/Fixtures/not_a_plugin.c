/* A perfectly good shared library that is not a Ferry plugin. */
int add(int a, int b) { return a + b; }
