/* The iommufd and VFIO device cdev uAPI, from the system's Linux headers (>= 6.6). */
#ifndef PTVM_PASSTHROUGH_UAPI_H
#define PTVM_PASSTHROUGH_UAPI_H

#if !__has_include(<linux/iommufd.h>)
#error "<linux/iommufd.h> is missing: install linux-libc-dev >= 6.6 (bookworm-backports; run tools/setup)"
#endif
#include <linux/iommufd.h>
#include <linux/vfio.h>

#ifndef VFIO_DEVICE_BIND_IOMMUFD
#error "<linux/vfio.h> lacks the VFIO cdev ioctls (VFIO_DEVICE_BIND_IOMMUFD): install linux-libc-dev >= 6.6 from bookworm-backports (run tools/setup)"
#endif

#endif
