/* runstat.c — runs a command and prints its wall time (s), peak resident set
 * size (KiB), exit code and CPU time (user + system, s, all its threads) as
 * "SECONDS MAXRSS_KIB EXIT CPU_SECONDS". CPU over wall time is how many cores
 * the run kept busy. stdout of the command goes to /dev/null unless
 * --keep-stdout is given.
 *
 * usage: runstat [--keep-stdout] COMMAND [ARGS...] */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int first = 1;
    int keep = argc > 1 && !strcmp(argv[1], "--keep-stdout");
    first += keep;
    if (first >= argc) {
        fprintf(stderr, "usage: runstat [--keep-stdout] COMMAND [ARGS...]\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid == 0) {
        if (!keep) {
            int fd = open("/dev/null", O_WRONLY);
            dup2(fd, 1);
        }
        execvp(argv[first], argv + first);
        perror("runstat: exec");
        _exit(127);
    }
    int status;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    fprintf(stderr, "%.4f %ld %d %.4f\n", secs, ru.ru_maxrss,
            WIFEXITED(status) ? WEXITSTATUS(status) : 128, cpu);
    return 0;
}
