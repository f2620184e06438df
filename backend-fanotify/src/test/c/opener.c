/*
 * Test helper: performs one operation in a separate process and prints its outcome, so tests see
 * exactly what another process sees (EPERM where denied).
 *
 *   opener open PATH      open(PATH, O_RDONLY); prints "OK" or the errno name
 *   opener exec PATH      execv(PATH); prints the errno name if exec fails
 *   opener write PATH     open(PATH, O_WRONLY|O_APPEND) and append one byte
 *
 * Exit status: 0 on success, 1 on failure of the operation, 2 on usage errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *errname(int e) {
    switch (e) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOENT: return "ENOENT";
    case EINTR: return "EINTR";
    default: return strerror(e);
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: opener open|exec|write PATH\n");
        return 2;
    }
    const char *op = argv[1], *path = argv[2];
    if (strcmp(op, "open") == 0) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) { printf("%s\n", errname(errno)); return 1; }
        close(fd);
        printf("OK\n");
        return 0;
    }
    if (strcmp(op, "write") == 0) {
        int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd < 0) { printf("%s\n", errname(errno)); return 1; }
        if (write(fd, "x", 1) != 1) { printf("%s\n", errname(errno)); close(fd); return 1; }
        close(fd);
        printf("OK\n");
        return 0;
    }
    if (strcmp(op, "exec") == 0) {
        fflush(stdout);
        char *args[] = {(char *) path, NULL};
        execv(path, args);
        printf("%s\n", errname(errno));
        return 1;
    }
    fprintf(stderr, "unknown operation %s\n", op);
    return 2;
}
