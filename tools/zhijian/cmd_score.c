/* cmd_score.c — `zhijian score`: read calls, score them, print results. */
#include "cli.h"

int cmd_score(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("score: not built yet");
    return EXIT_USAGE;
}
