/* The VM's iommufd side: one IOAS that maps all guest RAM at IOVA = GPA, shared by every
 * assigned device, and the KVM-VFIO pseudo-device that tells KVM about assigned devices. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "passthrough/passthrough.h"
#include "vmm/config.h"
#include "vmm/layout.h"
#include "vmm/populate.h"
#include "vmm/log.h"
#include "vmm/sys.h"
#include "vmm/util.h"

static void ctx_teardown(struct device *dv)
{
	struct pt_ctx *c = (struct pt_ctx *)dv;

	if (c->kvm_vfio >= 0)
		sys_close(c->kvm_vfio);
	/* Closing the iommufd destroys the IOAS and unpins guest RAM; an fd handed in by a
	 * management stack is not ours to close, so unmap and destroy explicitly there. */
	if (c->iommufd >= 0 && !c->own_iommufd && c->ioas) {
		struct iommu_ioas_unmap un = { .size = sizeof(un), .ioas_id = c->ioas,
					       .iova = 0, .length = UINT64_MAX };
		struct iommu_destroy d = { .size = sizeof(d), .id = c->ioas };

		sys_ioctl(c->iommufd, IOMMU_IOAS_UNMAP, &un);
		sys_ioctl(c->iommufd, IOMMU_DESTROY, &d);
	}
	if (c->iommufd >= 0 && c->own_iommufd)
		sys_close(c->iommufd);
	c->vm->passthrough = NULL;
	free(c);
}

#if PTVM_UAPI_MAP_FILE
/* Guest RAM by its memfd (Linux 6.13): the kernel pins the file's pages directly, without
 * walking ptvm's page tables. 1: mapped; 0: the kernel has no IOMMU_IOAS_MAP_FILE (or not
 * for this memfd): map it by address instead; -errno: a real failure. */
static int map_file(struct pt_ctx *c, int i)
{
	struct vm *vm = c->vm;
	struct iommu_ioas_map_file m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = c->ioas,
		.fd = vm->ram_fd,
		.start = (uint64_t)(vm->mem[i].hva - vm->ram),
		.length = vm->mem[i].size,
		.iova = vm->mem[i].gpa,
	};
	int r = sys_ioctl(c->iommufd, IOMMU_IOAS_MAP_FILE, &m);

	if (r == 0)
		return 1;
	if (r == -ENOMEM)
		return pt_pin_error(vm, r, "IOMMU_IOAS_MAP_FILE");
	if (r == -ENOTTY || r == -EOPNOTSUPP) { /* absent: say so only when asked */
		log_step("iommufd: the kernel has no IOMMU_IOAS_MAP_FILE (%s): mapping guest RAM "
			 "by address", strerror(-r));
		err_clear();
		return 0;
	}
	if (r == -EINVAL && i == 0) { /* there, but not for this memfd: worth a word */
		fprintf(stderr, "ptvm: warning: %s: mapping guest RAM by address instead\n", err_get());
		err_clear();
		return 0;
	}
	return err_ctx(r, "map guest RAM [0x%llx, +0x%llx) for device DMA from its memfd",
		       (unsigned long long)m.iova, (unsigned long long)m.length);
}
#endif

static int map_ram(struct pt_ctx *c)
{
	struct vm *vm = c->vm;
	bool by_file = PTVM_UAPI_MAP_FILE;

	for (int i = 0; i < vm->nmem; i++) {
#if PTVM_UAPI_MAP_FILE
		if (by_file) {
			int r = map_file(c, i);

			if (r < 0)
				return r;
			if (r == 1)
				continue;
			by_file = false;
		}
#endif
		struct iommu_ioas_map m = {
			.size = sizeof(m),
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
			.ioas_id = c->ioas,
			.user_va = (uint64_t)(uintptr_t)vm->mem[i].hva,
			.length = vm->mem[i].size,
			.iova = vm->mem[i].gpa,
		};
		int r = sys_ioctl(c->iommufd, IOMMU_IOAS_MAP, &m);

		if (r < 0) {
			char sz[32];

			format_size(m.length, sz, sizeof(sz));
			if (r == -ENOMEM)
				return pt_pin_error(vm, r, "IOMMU_IOAS_MAP");
			return err_ctx(r, "map guest RAM [0x%llx, +%s) for device DMA",
				       (unsigned long long)m.iova, sz);
		}
	}
	c->mapped_by_file = by_file;
	return 0;
}

/* Pinning happens where mapped pages meet an IOMMU domain: ptvm attaches the devices
 * first (to learn the reserved ranges), so at IOMMU_IOAS_MAP(_FILE) of guest RAM. ENOMEM
 * there is almost always RLIMIT_MEMLOCK. */
int pt_pin_error(struct vm *vm, int r, const char *call)
{
	char sz[32];

	format_size(vm->ram_size, sz, sizeof(sz));
	return err_msg(-r, "pinning %s of guest RAM for DMA failed (%s: %s): raise "
			   "RLIMIT_MEMLOCK to the guest's RAM size (ulimit -l), or run with "
			   "CAP_IPC_LOCK%s", sz, call, strerror(-r),
		       vm->cfg->hugepages ? "; huge pages from a CMA area (hugetlb_cma=) cannot be "
					    "pinned either: reserve them at boot (hugepagesz= "
					    "hugepages=)" : "");
}

int pt_ctx_get(struct vm *vm, int iommufd_fd, struct pt_ctx **out)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct kvm_create_device kd = { .type = KVM_DEV_TYPE_VFIO };
	struct pt_ctx *c;
	int r;

	if (vm->passthrough) {
		*out = vm->passthrough;
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return err_msg(ENOMEM, "out of memory");
	c->dev.name = "iommufd";
	c->dev.teardown = ctx_teardown;
	c->vm = vm;
	c->kvm_vfio = -1;
	c->iommufd = iommufd_fd;
	vm_add_device(vm, &c->dev);
	vm->passthrough = c;
	if (c->iommufd < 0) {
		c->iommufd = sys_open("/dev/iommu", O_RDWR);
		if (c->iommufd < 0) {
			char hint[256];

			err_ctx(c->iommufd, "iommufd (needs Linux >= 6.2 with CONFIG_IOMMUFD; "
					    "'ptvm check' tells more)");
			return err_append(c->iommufd, "%s", access_hint(c->iommufd, "/dev/iommu",
									 hint, sizeof(hint)));
		}
		c->own_iommufd = true;
	}
	r = sys_ioctl(c->iommufd, IOMMU_IOAS_ALLOC, &alloc);
	if (r < 0)
		return err_ctx(r, "allocate an IOAS");
	c->ioas = alloc.out_ioas_id;
	log_step("iommufd: IOAS %u allocated", c->ioas);
	r = sys_ioctl(vm->vm_fd, KVM_CREATE_DEVICE, &kd);
	if (r < 0)
		return err_ctx(r, "create KVM's VFIO device");
	c->kvm_vfio = (int)kd.fd;
	log_step("KVM-VFIO device created");
	*out = c;
	return 0;
}

/* After each attach the IOAS knows the IOMMU's reserved ranges for every device attached
 * so far (e.g. the x86 MSI window, the SMMU's software MSI window on arm64, what lies
 * beyond the IOMMU's address width): the VM's reserved list becomes what they do not
 * allow, for guest RAM to be laid out around. */
int pt_ctx_read_ranges(struct pt_ctx *c)
{
	struct iommu_ioas_iova_ranges q = { .size = sizeof(q), .ioas_id = c->ioas,
					    .num_iovas = 16,
					    .allowed_iovas = (uint64_t)(uintptr_t)c->ranges };
	struct gpa_range allowed[16];
	struct vm *vm = c->vm;
	int r = sys_ioctl(c->iommufd, IOMMU_IOAS_IOVA_RANGES, &q);

	if (r < 0)
		return err_ctx(r, "read the IOAS's usable IOVA ranges");
	c->nranges = (int)(q.num_iovas < 16 ? q.num_iovas : 16);
	for (int k = 0; k < c->nranges; k++)
		allowed[k] = (struct gpa_range){ c->ranges[k].start, c->ranges[k].last };
	r = layout_complement(allowed, c->nranges, vm->reserved, VM_MAX_RESERVED);
	if (r < 0)
		return err_msg(ENOSPC, "the IOMMU reserves more than %d IOVA ranges",
			       VM_MAX_RESERVED);
	vm->nreserved = r;
	return 0;
}

/* Guest RAM, laid out around the reserved ranges, must now lie in the allowed ones: said
 * plainly if it does not (the map would fail with EADDRINUSE or EINVAL). */
static int check_ranges(struct pt_ctx *c)
{
	struct vm *vm = c->vm;

	for (int i = 0; i < vm->nmem; i++) {
		uint64_t a = vm->mem[i].gpa, z = a + vm->mem[i].size - 1;
		bool ok = false;

		for (int k = 0; k < c->nranges && !ok; k++)
			ok = a >= c->ranges[k].start && z <= c->ranges[k].last;
		if (!ok)
			return err_msg(ERANGE, "guest RAM [0x%llx, 0x%llx] crosses a range the IOMMU "
					       "reserves; the device could not DMA there",
				       (unsigned long long)a, (unsigned long long)z);
	}
	return 0;
}

/* Once guest RAM exists: every page will be pinned, so fault them in first, in parallel
 * (populate.c), then map all of it at IOVA = GPA. The IOAS has a domain already (the
 * devices are attached), so this map is where the pages are pinned. */
int pt_ctx_map_ram(struct pt_ctx *c)
{
	struct vm *vm = c->vm;
	uint64_t page = vm->cfg->hugepages ? vm->cfg->hugepages : 4096;
	char sz[32], psz[32];
	int r, nthreads;

	if ((r = check_ranges(c)) < 0)
		return r;
	nthreads = populate_threads(vm->ram_size);
	r = populate_ram(vm->ram, vm->ram_size, page, nthreads);
	format_size(vm->ram_size, sz, sizeof(sz));
	if (r < 0)
		return err_ctx(r, "guest RAM of %s", sz);
	log_step("iommufd: guest RAM populated (%s, %d thread(s), %s pages)", sz, nthreads,
		 format_size(page, psz, sizeof(psz)));
	if ((r = map_ram(c)) < 0)
		return r;
	log_step("iommufd: all guest RAM mapped for DMA (IOVA = GPA; %s)",
		 c->mapped_by_file ? "IOMMU_IOAS_MAP_FILE from its memfd" : "IOMMU_IOAS_MAP");
	return 0;
}
