/*
 * measure: runs a command and writes its wall time, CPU time and peak RSS.
 *
 *     measure RESULT-FILE COMMAND [ARG...]
 *
 * Writes "WALL-SECONDS USER-SECONDS SYSTEM-SECONDS PEAK-RSS-KIB" to
 * RESULT-FILE and exits with the command's status (128 + N for signal N).
 * A child's peak RSS counts the memory of the process it was forked from,
 * until it calls exec: measured straight from bench.py it would be at least
 * the Python interpreter's.  Forked from this small process instead, it is
 * the command's own (and, for a shell, the largest of its waited-for
 * children's).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(const struct timeval *tv)
{
    return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    struct timespec start, end;
    struct rusage usage;
    int status = 0;
    pid_t pid;
    FILE *out;

    if (argc < 3) {
        fputs("usage: measure RESULT-FILE COMMAND [ARG...]\n", stderr);
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    pid = fork();
    if (pid < 0) {
        perror("measure: fork");
        return 125;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        fprintf(stderr, "measure: %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    if (wait4(pid, &status, 0, &usage) != pid) {
        perror("measure: wait4");
        return 125;
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    out = fopen(argv[1], "w");
    if (!out) {
        perror(argv[1]);
        return 125;
    }
    fprintf(out, "%.6f %.6f %.6f %ld\n",
            (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9,
            seconds(&usage.ru_utime), seconds(&usage.ru_stime), usage.ru_maxrss);
    if (fclose(out) != 0) {
        perror(argv[1]);
        return 125;
    }
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
