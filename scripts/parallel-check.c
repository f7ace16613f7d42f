// Do this machine's CPU 0 and CPU 1 run in parallel at full speed, and how long does a cache
// line take to go from one to the other and back? A diagnostic for reports/sweep-budget.md
// ("Where the two-thread spread comes from"), not part of nbench.
//
//   gcc -O2 -pthread -o /tmp/parallel-check scripts/parallel-check.c && /tmp/parallel-check
//
// Prints each CPU's rate of a dependent floating-point loop alone (30 ms each), the slower of
// the two rates when both run at once divided by the mean solo rate (1.00: two full cores; about
// 0.5: two hyperthreads of one core, or two vCPUs time-sliced on one), and the round trip of a
// flag between threads spinning on CPU 0 and CPU 1 (no sleeping, so no wake-up is timed).
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void pin(int cpu) {
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(cpu, &s);
  pthread_setaffinity_np(pthread_self(), sizeof s, &s);
}

typedef struct { int cpu; double rate; } Spin;
static atomic_int go;

static void *spin(void *p) {
  Spin *a = p;
  pin(a->cpu);
  while (!atomic_load(&go)) {}
  volatile double x = 1.0;
  long blocks = 0;
  double t0 = now();
  while (now() - t0 < 0.03) {
    for (int i = 0; i < 1000; i++) x = x * 1.0000001 + 1e-9;
    blocks++;
  }
  a->rate = blocks / (now() - t0);
  return NULL;
}

// The rate of one CPU alone (c1 < 0), or the slower of two running at once.
static double rate(int c0, int c1) {
  pthread_t t[2];
  Spin a[2] = {{c0, 0}, {c1, 0}};
  int k = c1 < 0 ? 1 : 2;
  atomic_store(&go, 0);
  for (int i = 0; i < k; i++) pthread_create(&t[i], NULL, spin, &a[i]);
  atomic_store(&go, 1);
  for (int i = 0; i < k; i++) pthread_join(t[i], NULL);
  return k == 1 || a[0].rate < a[1].rate ? a[0].rate : a[1].rate;
}

enum { TRIPS = 20000 };
static atomic_int ball;

static void *pong(void *unused) {
  (void)unused;
  pin(1);
  for (int i = 0; i < TRIPS; i++) {
    while (atomic_load(&ball) != 1) {}
    atomic_store(&ball, 0);
  }
  return NULL;
}

int main(void) {
  double s0 = rate(0, -1), s1 = rate(1, -1), both = rate(0, 1);
  pthread_t t;
  atomic_store(&ball, 0);
  pthread_create(&t, NULL, pong, NULL);
  pin(0);
  double t0 = now();
  for (int i = 0; i < TRIPS; i++) {
    atomic_store(&ball, 1);
    while (atomic_load(&ball) != 0) {}
  }
  double trip = (now() - t0) / TRIPS;
  pthread_join(t, NULL);
  printf("cpu0 alone %.0f, cpu1 alone %.0f blocks/s; both at once / alone %.2f; round trip %.2f us\n",
         s0, s1, both / ((s0 + s1) / 2), trip * 1e6);
  return 0;
}
