/* The floor nbench's per-attempt overhead is measured against (reports/sweep-budget.md):
 * N bare fork/exec/wait cycles of a worker, each given the same spec line on stdin that nbench
 * gives it and read to the end of its stdout, one after another. No scheduling, no rows, no
 * progress, no deadlines: what is left of an attempt when nbench adds nothing.
 *
 * usage: bare-spawn WORKER SPEC_FILE N    prints the total wall seconds on stdout
 * Built by scripts/overhead-bench.sh with `cc -O2`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: bare-spawn WORKER SPEC_FILE N\n");
        return 2;
    }
    FILE *f = fopen(argv[2], "rb");
    if (!f) { perror(argv[2]); return 2; }
    static char spec[1 << 16];
    size_t len = fread(spec, 1, sizeof spec, f);
    fclose(f);
    long n = atol(argv[3]);
    char buf[1 << 16];
    double t0 = now();
    for (long i = 0; i < n; i++) {
        int in[2], out[2];
        if (pipe(in) || pipe(out)) { perror("pipe"); return 1; }
        pid_t pid = fork();
        if (pid < 0) { perror("fork"); return 1; }
        if (pid == 0) {
            dup2(in[0], 0);
            dup2(out[1], 1);
            close(in[0]); close(in[1]); close(out[0]); close(out[1]);
            execl(argv[1], argv[1], (char *)NULL);
            _exit(127);
        }
        close(in[0]);
        close(out[1]);
        if (write(in[1], spec, len) != (ssize_t)len) { perror("write"); return 1; }
        close(in[1]);
        while (read(out[0], buf, sizeof buf) > 0) {}
        close(out[0]);
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "bare-spawn: worker failed at cycle %ld\n", i);
            return 1;
        }
    }
    printf("%.3f\n", now() - t0);
    return 0;
}
