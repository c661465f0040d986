/* cli.c — message, path and option helpers shared by the commands. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("zhijian: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("zhijian: warning: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void cli_report(const zj_error *err)
{
    char buf[2048];
    fprintf(stderr, "zhijian: %s\n", zj_error_format(err, buf, sizeof buf));
}

static bool file_exists(const char *path)
{
    return access(path, R_OK) == 0;
}

const char *cli_default_rules(void)
{
    static char found[PATH_MAX];
    const char *env = getenv("ZHIJIAN_RULES");
    if (env && *env)
        return env;
    /* Relative to the executable: <prefix>/bin/zhijian -> <prefix>/share/zhijian/rules,
     * or a build tree inside the source tree. */
    char exe[PATH_MAX - 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(found, sizeof found, "%s/../share/zhijian/rules/property-service.yaml", exe);
            if (file_exists(found))
                return found;
        }
    }
    snprintf(found, sizeof found, "%s/property-service.yaml", ZJ_SOURCE_RULES_DIR);
    if (file_exists(found))
        return found;
    snprintf(found, sizeof found, "%s/property-service.yaml", ZJ_INSTALL_RULES_DIR);
    return found;
}

const char *cli_cache_dir(void)
{
    static char dir[PATH_MAX];
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && *xdg)
        snprintf(dir, sizeof dir, "%s/zhijian", xdg);
    else if (home && *home)
        snprintf(dir, sizeof dir, "%s/.cache/zhijian", home);
    else
        dir[0] = '\0';
    return dir;
}

void cli_note(const zj_error *note, void *ctx)
{
    (void)ctx;
    char buf[2048];
    cli_warn("%s", zj_error_format(note, buf, sizeof buf));
}

bool cli_use_color(FILE *stream)
{
    const char *no = getenv("NO_COLOR");
    if (no && *no)
        return false;
    return isatty(fileno(stream));
}

bool cli_write(const zj_buf *b, FILE *out)
{
    if (b->len && fwrite(b->data, 1, b->len, out) != b->len) {
        cli_error("cannot write output: %s", strerror(errno));
        return false;
    }
    return true;
}

bool cli_parse_long(const char *opt, const char *value, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < min || v > max) {
        cli_error("%s: invalid value '%s' (expected an integer from %ld to %ld)", opt, value, min,
                  max);
        return false;
    }
    *out = v;
    return true;
}
