/* ioasmap: the bare cost of putting guest-sized memory into an iommufd IOAS, the figure
 * ptvm's "guest RAM into the IOAS" phase is compared with. For each size, a fresh
 * iommufd, IOAS and memfd-backed shared mapping (as ptvm's guest RAM), and one VFIO cdev:
 *   map_attached_ms  device bound and attached first (an IOMMU domain exists), then one
 *                    IOMMU_IOAS_MAP of the whole region: pins and maps every page
 *   unmap_ms         the IOMMU_IOAS_UNMAP of it
 *   map_first_ms     no domain yet: IOMMU_IOAS_MAP only records the range
 *   attach_ms        then VFIO_DEVICE_ATTACH_IOMMUFD_PT: pins and maps it all (ptvm's order)
 *   ioasmap CDEV SIZE_MIB...      prints one line per size
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char *what)
{
	fprintf(stderr, "ioasmap: %s: %s\n", what, strerror(errno));
	exit(1);
}

struct setup {
	int iommufd, dev, ram;
	uint32_t ioas;
	void *va;
};

static void open_ioas(struct setup *s, uint64_t len)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

	if ((s->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC)) < 0)
		die("/dev/iommu");
	if (ioctl(s->iommufd, IOMMU_IOAS_ALLOC, &alloc))
		die("IOMMU_IOAS_ALLOC");
	s->ioas = alloc.out_ioas_id;
	if ((s->ram = memfd_create("ioasmap", MFD_CLOEXEC)) < 0 || ftruncate(s->ram, (off_t)len))
		die("memfd");
	s->va = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, s->ram, 0);
	if (s->va == MAP_FAILED)
		die("mmap");
}

static void open_dev(struct setup *s, const char *cdev)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind), .iommufd = s->iommufd };

	if ((s->dev = open(cdev, O_RDWR | O_CLOEXEC)) < 0)
		die(cdev);
	if (ioctl(s->dev, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		die("VFIO_DEVICE_BIND_IOMMUFD");
}

static void attach(struct setup *s)
{
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at), .pt_id = s->ioas };

	if (ioctl(s->dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at))
		die("VFIO_DEVICE_ATTACH_IOMMUFD_PT");
}

static void map(struct setup *s, uint64_t len)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = s->ioas,
		.user_va = (uintptr_t)s->va,
		.length = len,
		.iova = 0,
	};

	if (ioctl(s->iommufd, IOMMU_IOAS_MAP, &m))
		die("IOMMU_IOAS_MAP");
}

static void unmap(struct setup *s, uint64_t len)
{
	struct iommu_ioas_unmap u = { .size = sizeof(u), .ioas_id = s->ioas, .iova = 0,
				      .length = len };

	if (ioctl(s->iommufd, IOMMU_IOAS_UNMAP, &u))
		die("IOMMU_IOAS_UNMAP");
}

static void close_all(struct setup *s, uint64_t len)
{
	close(s->dev);
	munmap(s->va, len);
	close(s->ram);
	close(s->iommufd);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: ioasmap CDEV SIZE_MIB...\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		uint64_t len = strtoull(argv[i], NULL, 0) << 20;
		double t0, t1, t2, map_attached, unmap_t, map_first, attach_t;
		struct setup s;

		open_ioas(&s, len);
		open_dev(&s, argv[1]);
		attach(&s);
		t0 = now_ms();
		map(&s, len);
		t1 = now_ms();
		unmap(&s, len);
		t2 = now_ms();
		map_attached = t1 - t0;
		unmap_t = t2 - t1;
		close_all(&s, len);

		open_ioas(&s, len);
		t0 = now_ms();
		map(&s, len);
		t1 = now_ms();
		open_dev(&s, argv[1]);
		t2 = now_ms();
		attach(&s);
		attach_t = now_ms() - t2;
		map_first = t1 - t0;
		close_all(&s, len);

		printf("mib=%s map_attached_ms=%.2f unmap_ms=%.2f map_first_ms=%.2f attach_ms=%.2f\n",
		       argv[i], map_attached, unmap_t, map_first, attach_t);
		fflush(stdout);
	}
	return 0;
}
