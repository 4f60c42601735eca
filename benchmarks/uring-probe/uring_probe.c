// uring_probe: what does one io_uring submission of a fan-out's sends save over one send() per socket?
// Measurement harness for docs/benchmarks.md "Server CPU per delivery" (issue 5). Not part of the product.
//
// The measuring process (parent) accepts N loopback TCP connections from a child process that reads and discards
// everything (one epoll thread), then sends 64-byte frames to groups of F sockets ("rooms") at a fixed rate of R
// groups per second, for a warm-up and then a measured window; it prints its own user and system CPU time per
// send over the window (getrusage, which includes any io-wq worker threads of the ring), and the child's.
//
// Modes: send   one send(MSG_DONTWAIT) per socket
//        uring  one io_uring_enter per group with F IORING_OP_SEND SQEs (MSG_DONTWAIT: EAGAIN comes back, no poll)
//        uringf as uring, with the sockets registered as fixed files (IOSQE_FIXED_FILE: no fdget per send)
// Knobs:  --cc NAME  setsockopt(TCP_CONGESTION) on the server ends (default: the system's)
//         --nodelay 0|1 (default 1, as wschat), --setup-flags HEX for io_uring_setup
//         --ab "send,uringf" or "send:bbr,send:cubic": alternate the items (mode[:congestion control]) every
//           --slice seconds (default 2) within one run, so every item sees the same machine; per item totals
//         --idle-thread 1: one more (sleeping) thread, so the fd table is shared as in a .NET process
//
// Build: gcc -O2 -pthread -o uring_probe uring_probe.c
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int conns = 10000, fanout = 100, rate = 250, duration = 20, warmup = 3, nodelay = 1, port = 0;
static const char *mode = "send", *cc = NULL;
static unsigned setup_flags = 0;
static int idle_thread = 0;
static const char *ab = NULL;    // --ab "send,uringf": alternate these every --slice seconds within one run
static double slice = 2;

static void *idle(void *arg) { (void)arg; for (;;) pause(); return NULL; }

static void die(const char *what) { perror(what); exit(1); }
static int g_stop_fd, g_up_fd;   // to the client: stop; from it: its report

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu_us(const struct timeval *tv) { return tv->tv_sec * 1e6 + tv->tv_usec; }

// utime + stime of another process in seconds (/proc/PID/stat fields 14 and 15, clock ticks)
static double proc_cpu_s(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (p) sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
    return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

// ---- the client: connect N, read and discard ----
static void client(int ready_fd, int stop_fd)
{
    int ep = epoll_create1(0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(0x7f000001) };
    for (int i = 0; i < conns; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0) die("client socket");
        // spread over 127.0.0.1-8 like the loadgen (one address has ~28,000 ephemeral ports)
        struct sockaddr_in src = { .sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(0x7f000001 + (i % 8)) };
        if (bind(s, (struct sockaddr *)&src, sizeof src) != 0) die("client bind");
        if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) die("client connect");
        fcntl(s, F_SETFL, O_NONBLOCK);
        struct epoll_event ev = { .events = EPOLLIN, .data.fd = s };
        epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
    }
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = stop_fd };
    epoll_ctl(ep, EPOLL_CTL_ADD, stop_fd, &ev);
    if (write(ready_fd, "r", 1) != 1) die("ready");
    static char buf[65536];
    struct epoll_event evs[512];
    for (;;) {
        int n = epoll_wait(ep, evs, 512, -1);
        for (int i = 0; i < n; i++) {
            if (evs[i].data.fd == stop_fd) {
                struct rusage ru;
                getrusage(RUSAGE_SELF, &ru);
                char line[128];
                int len = snprintf(line, sizeof line, "%.0f %.0f\n", cpu_us(&ru.ru_utime), cpu_us(&ru.ru_stime));
                if (write(ready_fd, line, len) != len) die("client report");
                _exit(0);
            }
            while (recv(evs[i].data.fd, buf, sizeof buf, 0) > 0) { }
        }
    }
}

// ---- io_uring, raw ----
struct ring {
    int fd;
    unsigned *sq_head, *sq_tail, *sq_mask, *sq_array;
    unsigned *cq_head, *cq_tail, *cq_mask;
    struct io_uring_sqe *sqes;
    struct io_uring_cqe *cqes;
};

static void ring_setup(struct ring *r, unsigned entries)
{
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    p.flags = setup_flags;
    r->fd = (int)syscall(__NR_io_uring_setup, entries, &p);
    if (r->fd < 0) die("io_uring_setup");
    size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    if (p.features & IORING_FEAT_SINGLE_MMAP) { if (cq_len > sq_len) sq_len = cq_len; cq_len = sq_len; }
    char *sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
    if (sq == MAP_FAILED) die("mmap sq");
    char *cq = (p.features & IORING_FEAT_SINGLE_MMAP) ? sq
        : mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
    if (cq == MAP_FAILED) die("mmap cq");
    r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
    if (r->sqes == MAP_FAILED) die("mmap sqes");
    r->sq_head = (unsigned *)(sq + p.sq_off.head);
    r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
    r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
    r->sq_array = (unsigned *)(sq + p.sq_off.array);
    r->cq_head = (unsigned *)(cq + p.cq_off.head);
    r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
    r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
    r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
    fprintf(stderr, "ring: sq %u cq %u features 0x%x flags 0x%x\n", p.sq_entries, p.cq_entries, p.features, setup_flags);
}

// CPU of the ksoftirqd threads: loopback receive work the sender's context did not run itself lands there, and
// would make the sender look cheaper than it is; reported next to the sender's figure.
static pid_t softirqd[64];
static int nsoftirqd;

static void find_softirqd(void)
{
    for (int cpu = 0; cpu < 64; cpu++) {
        char want[32];
        snprintf(want, sizeof want, "ksoftirqd/%d", cpu);
        for (pid_t pid = 2; pid < 200; pid++) {
            char path[64], comm[64] = "";
            snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
            FILE *f = fopen(path, "r");
            if (!f) continue;
            if (fgets(comm, sizeof comm, f)) comm[strcspn(comm, "\n")] = 0;
            fclose(f);
            if (!strcmp(comm, want)) { softirqd[nsoftirqd++] = pid; break; }
        }
    }
}

static double softirqd_cpu_s(void)
{
    double sum = 0;
    for (int i = 0; i < nsoftirqd; i++) sum += proc_cpu_s(softirqd[i]);
    return sum;
}

static struct ring g_ring;
static long g_ok, g_bad;

// one group of `fanout` sends: mode 0 send(), 1 io_uring, 2 io_uring with fixed files (slot = index in fds)
static void send_group(int mode, int *fds, int first, const char *frame, int len)
{
    int *g = fds + first;
    if (mode == 0) {
        for (int i = 0; i < fanout; i++) {
            if (send(g[i], frame, len, MSG_DONTWAIT | MSG_NOSIGNAL) == len) g_ok++; else g_bad++;
        }
        return;
    }
    struct ring *r = &g_ring;
    unsigned tail = *r->sq_tail, mask = *r->sq_mask;
    for (int i = 0; i < fanout; i++) {
        unsigned idx = (tail + i) & mask;
        struct io_uring_sqe *sqe = &r->sqes[idx];
        memset(sqe, 0, sizeof *sqe);
        sqe->opcode = IORING_OP_SEND;
        sqe->fd = mode == 2 ? first + i : g[i];
        sqe->flags = mode == 2 ? IOSQE_FIXED_FILE : 0;
        sqe->addr = (uint64_t)(uintptr_t)frame;
        sqe->len = len;
        sqe->msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL;
        sqe->user_data = i;
        r->sq_array[idx] = idx;
    }
    __atomic_store_n(r->sq_tail, tail + fanout, __ATOMIC_RELEASE);
    if (syscall(__NR_io_uring_enter, r->fd, fanout, fanout, IORING_ENTER_GETEVENTS, NULL, 0) != fanout) die("io_uring_enter");
    unsigned head = *r->cq_head, ctail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
    int seen = 0;
    while (seen < fanout) {
        for (; head != ctail; head++, seen++) { if (r->cqes[head & *r->cq_mask].res == len) g_ok++; else g_bad++; }
        __atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
        if (seen < fanout) {
            syscall(__NR_io_uring_enter, r->fd, 0, fanout - seen, IORING_ENTER_GETEVENTS, NULL, 0);
            ctail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
        }
    }
}

static int run_ab(int *fds, int rooms, const char *frame, pid_t child)
{
    char spec[256], *items[8], *ccs[8];
    int modes[8], n = 0;
    snprintf(spec, sizeof spec, "%s", ab);
    for (char *tok = strtok(spec, ","); tok && n < 8; tok = strtok(NULL, ",")) {
        char *colon = strchr(tok, ':');
        ccs[n] = colon ? colon + 1 : NULL;
        if (colon) *colon = 0;
        items[n] = tok;
        modes[n] = !strcmp(tok, "send") ? 0 : !strcmp(tok, "uring") ? 1 : !strcmp(tok, "uringf") ? 2 : -1;
        if (modes[n] < 0) { fprintf(stderr, "unknown mode %s\n", tok); return 2; }
        n++;
    }
    ring_setup(&g_ring, 256);
    if (syscall(__NR_io_uring_register, g_ring.fd, IORING_REGISTER_FILES, fds, conns) != 0) die("register files");
    static char sys_cc[32] = "";   // the system's default congestion control: what "default" items switch back to
    FILE *cf = fopen("/proc/sys/net/ipv4/tcp_congestion_control", "r");
    if (cf) { if (!fgets(sys_cc, sizeof sys_cc, cf)) sys_cc[0] = 0; fclose(cf); }
    sys_cc[strcspn(sys_cc, "\n")] = 0;
    double cpu[8] = { 0 }, ccpu[8] = { 0 }, soft[8] = { 0 };
    long ok[8] = { 0 }, slices[8] = { 0 };
    char load0[64] = "", load1[64] = "";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) { if (!fgets(load0, sizeof load0, f)) load0[0] = 0; fclose(f); }
    load0[strcspn(load0, "\n")] = 0;
    find_softirqd();
    double t0 = now_s(), interval = 1.0 / rate, measure_from = t0 + warmup, end = measure_from + duration;
    int current = -1;
    const char *current_cc = NULL;
    struct rusage ru0;
    double c0 = 0, s0 = 0;
    long ok0 = 0;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (long msg = 0;; msg++) {
        double t = now_s();
        int item = t < measure_from ? 0 : (int)((t - measure_from) / slice) % n;
        if (t >= end) item = -1;
        if (t >= measure_from && item != current) {
            if (current >= 0) {   // close the slice of the current item
                struct rusage ru1;
                getrusage(RUSAGE_SELF, &ru1);
                cpu[current] += cpu_us(&ru1.ru_utime) + cpu_us(&ru1.ru_stime) - cpu_us(&ru0.ru_utime) - cpu_us(&ru0.ru_stime);
                ccpu[current] += (proc_cpu_s(child) - c0) * 1e6;
                soft[current] += (softirqd_cpu_s() - s0) * 1e6;
                ok[current] += g_ok - ok0;
                slices[current]++;
            }
            if (item < 0) break;
            const char *want = ccs[item] ? ccs[item] : (cc ? cc : sys_cc);
            if (*want && (!current_cc || strcmp(want, current_cc))) {   // switch outside the measured slice
                for (int i = 0; i < conns; i++) setsockopt(fds[i], IPPROTO_TCP, TCP_CONGESTION, want, strlen(want));
                current_cc = want;
            }
            current = item;
            getrusage(RUSAGE_SELF, &ru0);
            c0 = proc_cpu_s(child);
            s0 = softirqd_cpu_s();
            ok0 = g_ok;
        }
        send_group(modes[current < 0 ? 0 : current], fds, (int)(msg % rooms) * fanout, frame, 64);
        next.tv_nsec += (long)(interval * 1e9);
        while (next.tv_nsec >= 1000000000L) { next.tv_nsec -= 1000000000L; next.tv_sec++; }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
    f = fopen("/proc/loadavg", "r");
    if (f) { if (!fgets(load1, sizeof load1, f)) load1[0] = 0; fclose(f); }
    load1[strcspn(load1, "\n")] = 0;
    printf("ab thread=%d conns=%d fanout=%d rate=%d window=%ds slice=%.1fs failed=%ld load_before=[%s] load_after=[%s]\n",
           idle_thread, conns, fanout, rate, duration, slice, g_bad, load0, load1);
    for (int i = 0; i < n; i++)
        printf("  %-7s cc=%-7s slices=%ld sends=%ld sender=%.2fus/send client=%.2fus/send ksoftirqd=%.2fus/send\n",
               items[i], ccs[i] ? ccs[i] : (cc ? cc : sys_cc), slices[i], ok[i], cpu[i] / ok[i], ccpu[i] / ok[i], soft[i] / ok[i]);
    char c;
    if (write(g_stop_fd, "s", 1) != 1) die("stop");
    while (read(g_up_fd, &c, 1) > 0) { }
    waitpid(child, NULL, 0);
    return 0;
}

int main(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--conns")) conns = atoi(v);
        else if (!strcmp(k, "--fanout")) fanout = atoi(v);
        else if (!strcmp(k, "--rate")) rate = atoi(v);
        else if (!strcmp(k, "--duration")) duration = atoi(v);
        else if (!strcmp(k, "--warmup")) warmup = atoi(v);
        else if (!strcmp(k, "--mode")) mode = v;
        else if (!strcmp(k, "--cc")) cc = v;
        else if (!strcmp(k, "--nodelay")) nodelay = atoi(v);
        else if (!strcmp(k, "--idle-thread")) idle_thread = atoi(v);
        else if (!strcmp(k, "--ab")) ab = v;
        else if (!strcmp(k, "--slice")) slice = atof(v);
        else if (!strcmp(k, "--setup-flags")) setup_flags = (unsigned)strtoul(v, NULL, 16);
        else { fprintf(stderr, "unknown %s\n", k); return 2; }
    }
    signal(SIGPIPE, SIG_IGN);
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(0x7f000001) };
    socklen_t al = sizeof a;
    if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 4096)) die("listen");
    getsockname(ls, (struct sockaddr *)&a, &al);
    port = ntohs(a.sin_port);

    int up[2], down[2];
    if (pipe(up) || pipe(down)) die("pipe");
    pid_t child = fork();
    if (child == 0) { close(up[0]); close(down[1]); close(ls); client(up[1], down[0]); }
    close(up[1]); close(down[0]);
    g_stop_fd = down[1];
    g_up_fd = up[0];
    // A multithreaded process (like .NET's) shares its fd table: send()'s fdget then takes a file reference per
    // call instead of the single-threaded shortcut, as in the real server.
    pthread_t idler;
    if (idle_thread && pthread_create(&idler, NULL, idle, NULL)) die("pthread_create");

    int *fds = malloc(sizeof(int) * conns);
    for (int i = 0; i < conns; i++) {
        fds[i] = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
        if (fds[i] < 0) die("accept");
        if (nodelay) setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (cc && setsockopt(fds[i], IPPROTO_TCP, TCP_CONGESTION, cc, strlen(cc))) die("TCP_CONGESTION");
    }
    char c;
    if (read(up[0], &c, 1) != 1) die("client ready");

    int use_uring = !strncmp(mode, "uring", 5), fixed = !strcmp(mode, "uringf");
    struct ring r = { 0 };
    if (use_uring) {
        ring_setup(&r, 256);
        if (fixed && syscall(__NR_io_uring_register, r.fd, IORING_REGISTER_FILES, fds, conns) != 0) die("register files");
    }

    char frame[64];
    memset(frame, 'x', sizeof frame);
    frame[0] = (char)0x81; frame[1] = 62;   // an unmasked text frame, 62 bytes of payload

    int rooms = conns / fanout;
    if (ab) return run_ab(fds, rooms, frame, child);
    long sends = 0, partial = 0, eagain = 0, errors = 0, enters = 0;
    double t0 = now_s(), interval = 1.0 / rate, measure_from = t0 + warmup, end = measure_from + duration;
    struct rusage r0, r1;
    int measuring = 0;
    double child0 = 0, soft0 = 0;
    find_softirqd();
    long window_sends = 0;
    char load0[64] = "", load1[64] = "";
    FILE *lf = fopen("/proc/loadavg", "r");
    if (lf) { if (!fgets(load0, sizeof load0, lf)) load0[0] = 0; fclose(lf); }
    load0[strcspn(load0, "\n")] = 0;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (long msg = 0;; msg++) {
        double t = now_s();
        if (!measuring && t >= measure_from) {
            measuring = 1;
            window_sends = sends;
            getrusage(RUSAGE_SELF, &r0);
            child0 = proc_cpu_s(child);
            soft0 = softirqd_cpu_s();
        }
        if (t >= end) break;
        int *g = fds + (msg % rooms) * fanout;
        if (!use_uring) {
            for (int i = 0; i < fanout; i++) {
                ssize_t n = send(g[i], frame, sizeof frame, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n == sizeof frame) sends++;
                else if (n >= 0) partial++;
                else if (errno == EAGAIN) eagain++;
                else errors++;
            }
        } else {
            unsigned tail = *r.sq_tail, mask = *r.sq_mask;
            for (int i = 0; i < fanout; i++) {
                unsigned idx = (tail + i) & mask;
                struct io_uring_sqe *sqe = &r.sqes[idx];
                memset(sqe, 0, sizeof *sqe);
                sqe->opcode = IORING_OP_SEND;
                sqe->fd = fixed ? (int)((msg % rooms) * fanout + i) : g[i];
                sqe->flags = fixed ? IOSQE_FIXED_FILE : 0;
                sqe->addr = (uint64_t)(uintptr_t)frame;
                sqe->len = sizeof frame;
                sqe->msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL;
                sqe->user_data = (uint64_t)i;
                r.sq_array[idx] = idx;
            }
            __atomic_store_n(r.sq_tail, tail + fanout, __ATOMIC_RELEASE);
            unsigned enter_flags = (setup_flags & IORING_SETUP_DEFER_TASKRUN) ? IORING_ENTER_GETEVENTS : 0;
            int submitted = (int)syscall(__NR_io_uring_enter, r.fd, fanout, 0, enter_flags, NULL, 0);
            enters++;
            if (submitted != fanout) { fprintf(stderr, "submitted %d: %s\n", submitted, strerror(errno)); return 1; }
            unsigned head = *r.cq_head, ctail = __atomic_load_n(r.cq_tail, __ATOMIC_ACQUIRE);
            int seen = 0;
            while (seen < fanout) {
                for (; head != ctail; head++, seen++) {
                    int res = r.cqes[head & *r.cq_mask].res;
                    if (res == sizeof frame) sends++;
                    else if (res >= 0) partial++;
                    else if (res == -EAGAIN) eagain++;
                    else errors++;
                }
                __atomic_store_n(r.cq_head, head, __ATOMIC_RELEASE);
                if (seen < fanout) {   // completions not posted inline: wait for the rest
                    syscall(__NR_io_uring_enter, r.fd, 0, fanout - seen, IORING_ENTER_GETEVENTS, NULL, 0);
                    ctail = __atomic_load_n(r.cq_tail, __ATOMIC_ACQUIRE);
                }
            }
        }
        // next group at a fixed rate (absolute time, so a slow group does not shift the schedule)
        next.tv_nsec += (long)(interval * 1e9);
        while (next.tv_nsec >= 1000000000L) { next.tv_nsec -= 1000000000L; next.tv_sec++; }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
    getrusage(RUSAGE_SELF, &r1);
    double child1 = proc_cpu_s(child);
    double soft1 = softirqd_cpu_s();
    long n = sends - window_sends;
    double user = (cpu_us(&r1.ru_utime) - cpu_us(&r0.ru_utime)) / n, sys = (cpu_us(&r1.ru_stime) - cpu_us(&r0.ru_stime)) / n;
    if (write(down[1], "s", 1) != 1) die("stop");
    char line[128] = "";
    ssize_t got = read(up[0], line, sizeof line - 1);
    if (got > 0) line[got] = 0;
    waitpid(child, NULL, 0);
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) { if (!fgets(load1, sizeof load1, f)) load1[0] = 0; fclose(f); }
    load1[strcspn(load1, "\n")] = 0;
    printf("mode=%s thread=%d cc=%s nodelay=%d flags=0x%x conns=%d fanout=%d rate=%d window=%ds sends=%ld user=%.2fus sys=%.2fus total=%.2fus/send "
           "partial=%ld eagain=%ld errors=%ld enters=%ld client_us_per_send=%.2f ksoftirqd_us_per_send=%.2f load_before=[%s] load_after=[%s]\n",
           mode, idle_thread, cc ? cc : "default", nodelay, setup_flags, conns, fanout, rate, duration, n, user, sys, user + sys,
           partial, eagain, errors, enters, (child1 - child0) * 1e6 / n, (soft1 - soft0) * 1e6 / n, load0, load1);
    return 0;
}
