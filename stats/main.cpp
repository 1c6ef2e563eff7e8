// Placeholder until the stats issue lands.
#include <cstdio>
int main() {
    std::fprintf(stderr, "synthmod: stats not built yet\n");
    return 2;
}
