// Placeholder until the judge issue lands.
#include <cstdio>
int main() {
    std::fprintf(stderr, "synthmod: judge not built yet\n");
    return 2;
}
