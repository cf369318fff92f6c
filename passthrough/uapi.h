/* The iommufd and VFIO cdev uAPI, from the Linux headers the build uses: the build tree's
 * copy of the lab kernel's (tools/uapi-headers), or the system's (>= 6.6). Newer parts are
 * used only when the headers have them (PTVM_UAPI_*) and the running kernel offers them
 * (detected at run time: ENOTTY, EOPNOTSUPP or EINVAL from the kernel means absent). */
#ifndef PTVM_PASSTHROUGH_UAPI_H
#define PTVM_PASSTHROUGH_UAPI_H

#if !__has_include(<linux/iommufd.h>)
#error "<linux/iommufd.h> is missing: install linux-libc-dev >= 6.6 (bookworm-backports; run tools/setup)"
#endif
#include <linux/iommufd.h>
#include <linux/version.h>
#include <linux/vfio.h>

#ifndef VFIO_DEVICE_BIND_IOMMUFD
#error "<linux/vfio.h> lacks the VFIO cdev ioctls (VFIO_DEVICE_BIND_IOMMUFD): install linux-libc-dev >= 6.6 from bookworm-backports (run tools/setup)"
#endif

/* Linux 6.13: map a memfd into an IOAS by file and offset. */
#ifdef IOMMU_IOAS_MAP_FILE
#define PTVM_UAPI_MAP_FILE 1
#else
#define PTVM_UAPI_MAP_FILE 0
#endif
/* Linux 6.13: hand an IOAS's pinned pages over to another process (live update). */
#ifdef IOMMU_IOAS_CHANGE_PROCESS
#define PTVM_UAPI_CHANGE_PROCESS 1
#else
#define PTVM_UAPI_CHANGE_PROCESS 0
#endif
/* Linux 6.17: a VF token at VFIO_DEVICE_BIND_IOMMUFD (VFs of a vfio-pci PF). */
#ifdef VFIO_DEVICE_BIND_FLAG_TOKEN
#define PTVM_UAPI_BIND_TOKEN 1
#else
#define PTVM_UAPI_BIND_TOKEN 0
#endif
/* Linux 6.19: a BAR exported as a dma-buf (peer-to-peer DMA). */
#ifdef VFIO_DEVICE_FEATURE_DMA_BUF
#define PTVM_UAPI_DMA_BUF 1
#else
#define PTVM_UAPI_DMA_BUF 0
#endif

/* "7.2.12": the version of the uAPI headers ptvm was built with. */
#define PTVM_UAPI_STR_(x) #x
#define PTVM_UAPI_STR(x) PTVM_UAPI_STR_(x)
#ifdef LINUX_VERSION_MAJOR
#define PTVM_UAPI_VERSION PTVM_UAPI_STR(LINUX_VERSION_MAJOR) "." \
	PTVM_UAPI_STR(LINUX_VERSION_PATCHLEVEL) "." PTVM_UAPI_STR(LINUX_VERSION_SUBLEVEL)
#else
#define PTVM_UAPI_VERSION "older than 5.13"
#endif

#endif
