/*
** runone.c — run a command RUNS times; print its median wall time (from
** before fork to after wait, so process start and exit are counted), its
** median CPU time (user + system) and the peak resident set size of the
** child (getrusage through wait4: ru_maxrss), as one line:
**
**     runone RUNS COMMAND [ARG...]
**     → "wall_ms_median wall_ms_min cpu_ms_median maxrss_kb"
**
** The command's standard output goes to /dev/null; a run that fails ends
** runone with status 1 (its standard error is left to show).
*/
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv) {
    if (argc < 3 || atoi(argv[1]) < 1) {
        fputs("usage: runone RUNS COMMAND [ARG...]\n", stderr);
        return 2;
    }
    int runs = atoi(argv[1]);
    double *wall = calloc((size_t)runs, sizeof *wall), *cpu = calloc((size_t)runs, sizeof *cpu);
    long maxrss = 0;
    for (int r = 0; r < runs; r++) {
        double t0 = now_ms();
        pid_t pid = fork();
        if (pid < 0) {
            perror("runone: fork");
            return 1;
        }
        if (pid == 0) {
            int fd = open("/dev/null", O_WRONLY);
            if (fd >= 0) dup2(fd, 1);
            execvp(argv[2], argv + 2);
            perror(argv[2]);
            _exit(127);
        }
        int st;
        struct rusage ru;
        if (wait4(pid, &st, 0, &ru) < 0) {
            perror("runone: wait4");
            return 1;
        }
        wall[r] = now_ms() - t0;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "runone: %s failed (status %d)\n", argv[2], WIFEXITED(st) ? WEXITSTATUS(st) : -1);
            return 1;
        }
        cpu[r] = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
        if (ru.ru_maxrss > maxrss) maxrss = ru.ru_maxrss;
    }
    double min = wall[0];
    for (int r = 1; r < runs; r++)
        if (wall[r] < min) min = wall[r];
    printf("%.1f %.1f %.1f %ld\n", median(wall, runs), min, median(cpu, runs), maxrss);
    free(wall);
    free(cpu);
    return 0;
}
