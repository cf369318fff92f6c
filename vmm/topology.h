/* The guest's CPU topology: sockets of cores of threads, the same words on every
 * architecture. --cpus and the boot config give any of the counts; topology_resolve fills
 * in the rest and checks that they multiply to the vCPU count. */
#ifndef PTVM_TOPOLOGY_H
#define PTVM_TOPOLOGY_H

struct cpu_topology {
	int sockets, cores, threads; /* cores per socket, threads per core; 0: not given */
};

/* Fills the counts not given from *cpus (0: not given either): threads and sockets default
 * to 1, cores to what is left; with no vCPU count, the product is it. 0, or -EINVAL with
 * a message (prefixed by WHAT, e.g. "--cpus") when they do not fit or pass VM_MAX_CPUS. */
int topology_resolve(const char *what, int *cpus, struct cpu_topology *t);

/* Parses --cpus: "N", "N,sockets=S,cores=C,threads=T" (any of the three, in any order),
 * or only the named counts. The counts are resolved (topology_resolve). */
int topology_parse(const char *arg, int *cpus, struct cpu_topology *t);

/* Where vCPU INDEX sits in a resolved topology. */
void topology_place(const struct cpu_topology *t, int index, int *socket, int *core,
		    int *thread);

/* The number of bits that hold values 0..n-1 (0 for n <= 1): the width of one level of a
 * packed CPU ID such as an x86 APIC ID. */
int topology_bits(int n);

#endif
