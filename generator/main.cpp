// Placeholder until the generator issue lands.
#include <cstdio>
int main() {
    std::fprintf(stderr, "synthmod: generator not built yet\n");
    return 2;
}
