/* One cold start of a Vercel function binary (a bin of api/, release), for hyperfine: exec the binary
 * with VERCEL_DEV_PORT set (vercel_runtime then serves plain HTTP on 127.0.0.1:PORT, the listener
 * Vercel announces over IPC), connect as soon as it listens, send one GET, read the whole answer,
 * kill the process. Prints the status line and exec-to-answer in ms; exits 1 unless the answer
 * is 2xx. The function's settings come from the environment (see run.sh).
 *
 *   cc -O2 -o coldstart bench/web/coldstart.c
 *   hyperfine -N './coldstart target/release/api-health 18400 /api/health'
 *   ./coldstart target/release/api-status 18400 /api/status "$TOKEN"
 */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s BINARY PORT PATH [TOKEN]\n", argv[0]);
        return 2;
    }
    const char *bin = argv[1], *port = argv[2], *path = argv[3], *token = argc > 4 ? argv[4] : NULL;
    char req[4096];
    snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%sConnection: close\r\n\r\n", path,
             token ? "Authorization: Bearer " : "", token ? token : "", token ? "\r\n" : "");
    setenv("VERCEL_DEV_PORT", port, 1);
    setenv("RUST_LOG", "warn", 1);
    double started = now_ms();
    pid_t child = fork();
    if (child == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execl(bin, bin, (char *)NULL);
        _exit(127);
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(port))};
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    char buf[65536];
    size_t got = 0;
    int ok = 0;
    while (now_ms() - started < 5000) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
            if (write(fd, req, strlen(req)) == (ssize_t)strlen(req)) {
                ssize_t n;
                while (got < sizeof buf - 1 && (n = read(fd, buf + got, sizeof buf - 1 - got)) > 0) got += (size_t)n;
            }
            close(fd);
            ok = 1;
            break;
        }
        close(fd);
        usleep(200);
    }
    double elapsed = now_ms() - started;
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    buf[got] = '\0';
    char *eol = strstr(buf, "\r\n");
    if (eol) *eol = '\0';
    printf("%s: %.2f ms (%s)\n", path, elapsed, ok ? buf : "no answer");
    return ok && strncmp(buf, "HTTP/1.1 2", 10) == 0 ? 0 : 1;
}
