/* runstat.c — runs a command and prints its wall time (s) and peak resident
 * set size (KiB) as "SECONDS MAXRSS_KIB EXIT". stdout of the command goes to
 * /dev/null unless --keep-stdout is given.
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
    fprintf(stderr, "%.4f %ld %d\n", secs, ru.ru_maxrss,
            WIFEXITED(status) ? WEXITSTATUS(status) : 128);
    return 0;
}
