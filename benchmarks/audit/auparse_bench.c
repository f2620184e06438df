// SPDX-License-Identifier: Apache-2.0
/*
 * auparse_bench: the libauparse baseline of the audit parser benchmark. Reads an audit.log-format
 * file (capture's output) into memory, then, per run, parses the whole buffer with
 * auparse_init(AUSOURCE_BUFFER) and iterates every event, every record and every field
 * (auparse_next_event / auparse_next_record / auparse_next_field), touching each field's name and
 * value (auparse_get_field_name, auparse_get_field_str: the first byte of each). The work matches
 * what the Java benchmark's listener does with each delivered event.
 *
 *   auparse_bench FILE [--runs N] [--warmup N]
 *
 * Prints one line per run and a summary line:
 *   auparse run=I records=R events=E fields=F seconds=S records_per_s=X events_per_s=Y
 *   auparse summary runs=N records=R events=E records_per_s_p50=.. p10=.. p90=.. min=.. max=..
 *           events_per_s_p50=..
 * "records" is the number of lines in the file (the records a reader received), the same count the
 * Java side uses; "events" and "fields" are what auparse delivered.
 */
#define _GNU_SOURCE
#include <auparse.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p) { /* nearest rank on sorted v */
    int i = (int)(p / 100.0 * n + 0.5) - 1;
    if (i < 0) i = 0;
    if (i >= n) i = n - 1;
    return v[i];
}

static volatile unsigned long sink;

/* One pass over the buffer; returns 0 on success. */
static int pass(const char *buf, long *events, long *records, long *fields) {
    auparse_state_t *au = auparse_init(AUSOURCE_BUFFER, buf);
    if (!au) {
        fprintf(stderr, "auparse_bench: auparse_init: %s\n", strerror(errno));
        return -1;
    }
    unsigned long sum = 0;
    long ev = 0, rec = 0, fl = 0;
    while (auparse_next_event(au) > 0) {
        ev++;
        do {
            rec++;
            if (auparse_first_field(au) <= 0) continue;
            do {
                const char *name = auparse_get_field_name(au);
                const char *value = auparse_get_field_str(au);
                if (name) sum += (unsigned char)name[0];
                if (value) sum += (unsigned char)value[0];
                fl++;
            } while (auparse_next_field(au) > 0);
        } while (auparse_next_record(au) > 0);
    }
    auparse_destroy(au);
    sink += sum;
    *events = ev;
    *records = rec;
    *fields = fl;
    return 0;
}

int main(int argc, char **argv) {
    const char *file = NULL;
    int runs = 10, warmup = 2;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--warmup") && i + 1 < argc) warmup = atoi(argv[++i]);
        else if (argv[i][0] != '-' && !file) file = argv[i];
        else {
            fprintf(stderr, "usage: auparse_bench FILE [--runs N] [--warmup N]\n");
            return 64;
        }
    }
    if (!file || runs < 1 || warmup < 0) {
        fprintf(stderr, "usage: auparse_bench FILE [--runs N] [--warmup N]\n");
        return 64;
    }
    FILE *f = fopen(file, "rb");
    if (!f) { perror(file); return 1; }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) { perror("read"); return 1; }
    fclose(f);
    buf[size] = 0;
    long lines = 0;
    for (long i = 0; i < size; i++) lines += buf[i] == '\n';
    if (size > 0 && buf[size - 1] != '\n') lines++;

    long events = 0, records = 0, fields = 0;
    for (int i = 0; i < warmup; i++)
        if (pass(buf, &events, &records, &fields)) return 1;
    double *rps = calloc((size_t)runs, sizeof *rps), *eps = calloc((size_t)runs, sizeof *eps);
    for (int i = 0; i < runs; i++) {
        double t0 = now();
        if (pass(buf, &events, &records, &fields)) return 1;
        double s = now() - t0;
        rps[i] = lines / s;
        eps[i] = events / s;
        printf("auparse run=%d records=%ld events=%ld auparse_records=%ld fields=%ld seconds=%.6f records_per_s=%.0f events_per_s=%.0f\n",
               i, lines, events, records, fields, s, rps[i], eps[i]);
    }
    qsort(rps, (size_t)runs, sizeof *rps, cmp);
    qsort(eps, (size_t)runs, sizeof *eps, cmp);
    printf("auparse summary runs=%d records=%ld events=%ld records_per_s_p50=%.0f records_per_s_p10=%.0f "
           "records_per_s_p90=%.0f records_per_s_min=%.0f records_per_s_max=%.0f events_per_s_p50=%.0f\n",
           runs, lines, events, pct(rps, runs, 50), pct(rps, runs, 10), pct(rps, runs, 90), rps[0], rps[runs - 1],
           pct(eps, runs, 50));
    free(buf);
    return 0;
}
