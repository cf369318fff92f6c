/* igb-pf BDF VF-TOKEN VF-MAC: a user-space PF driver for an 82576 (igb) bound to
 * vfio-pci, just enough for its first VF to pass traffic: the lab's stand-in for the
 * PF drivers that users run in user space (DPDK's, a switch's), which are what a VF
 * token is for.
 *
 * It opens the PF's VFIO cdev, binds it to an iommufd with VF-TOKEN (so VF users must
 * give the same token), links the port up, turns on VMDq pools with pool 0 for VF 0,
 * and answers VF 0's mailbox by polling: a VF reset gets VF-MAC and its pool enabled,
 * other requests an acknowledgement. It needs no DMA: the PF carries no traffic itself.
 * Runs until SIGTERM/SIGINT; prints "igb-pf: ready" once the port is up, one line per
 * mailbox message, and a count at exit. Exit status 0, or 1 with the reason. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "vmm/util.h"

/* 82576 registers (byte offsets in BAR 0) and bits, from its datasheet */
enum {
	CTRL = 0x0000, CTRL_SLU = 1u << 6,
	STATUS = 0x0008, STATUS_LU = 1u << 1,
	CTRL_EXT = 0x0018, CTRL_EXT_PFRSTD = 1u << 14,
	MDIC = 0x0020,
	GPIE = 0x1514, GPIE_NSICR = 1u << 0, GPIE_MSIX_MODE = 1u << 4, GPIE_EIAME = 1u << 30,
	GPIE_PBA = 1u << 31,
	RCTL = 0x0100, RCTL_EN = 1u << 1, RCTL_BAM = 1u << 15,
	TCTL = 0x0400, TCTL_EN = 1u << 1,
	VMBMEM0 = 0x0800,			/* VF n's mailbox memory: VMBMEM0 + 64 n */
	P2VMAILBOX0 = 0x0c00,			/* + 4 n */
	P2V_STS = 1u << 0, P2V_ACK = 1u << 1, P2V_PFU = 1u << 3,
	MBVFICR = 0x0c80, MBVFICR_REQ0 = 1u << 0, MBVFICR_ACK0 = 1u << 16,
	VFLRE = 0x0c88,
	VFRE = 0x0c8c, VFTE = 0x0c90,
	RAL0 = 0x5400, RAH0 = 0x5404,		/* entries 0-15: + 8 n */
	RAH_AV = 1u << 31, RAH_POOL_SHIFT = 18,
	MRQC = 0x5818, MRQC_VMDQ = 0x3,
	VMOLR0 = 0x5ad0,			/* + 4 n */
	VMOLR_AUPE = 1u << 24, VMOLR_ROMPE = 1u << 25, VMOLR_BAM = 1u << 27,
};
/* the VF mailbox protocol */
enum {
	MSG_ACK = 1u << 31, MSG_NACK = 1u << 30, MSG_CTS = 1u << 29,
	VF_RESET = 1, VF_SET_MAC_ADDR = 2,
	VF_RAR = 15,				/* the receive address entry VF 0's MAC uses */
};

static volatile uint8_t *bar;
static volatile sig_atomic_t stop;

static uint32_t rd(uint32_t off) { return *(volatile uint32_t *)(bar + off); }
static void wr(uint32_t off, uint32_t v) { *(volatile uint32_t *)(bar + off) = v; }
static void on_signal(int sig) { (void)sig; stop = 1; }

static int die(const char *what)
{
	fprintf(stderr, "igb-pf: %s: %s\n", what, strerror(errno));
	return 1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void set_rar(const uint8_t m[6])
{
	wr(RAH0 + 8 * VF_RAR, 0);
	wr(RAL0 + 8 * VF_RAR, m[0] | m[1] << 8 | m[2] << 16 | (uint32_t)m[3] << 24);
	wr(RAH0 + 8 * VF_RAR, m[4] | m[5] << 8 | RAH_AV | 1u << RAH_POOL_SHIFT);
}

/* take the mailbox buffer from the VF side; false while the VF holds it */
static int lock_mailbox(void)
{
	for (int i = 0; i < 100; i++) {
		wr(P2VMAILBOX0, P2V_PFU);
		if (rd(P2VMAILBOX0) & P2V_PFU)
			return 1;
		sleep_ms(1);
	}
	return 0;
}

static void mbx_send(const uint32_t *msg, int n)
{
	if (!lock_mailbox()) {
		fprintf(stderr, "igb-pf: VF 0 holds its mailbox; reply 0x%08x dropped\n", msg[0]);
		return;
	}
	for (int i = 0; i < n; i++)
		wr(VMBMEM0 + 4 * i, msg[i]);
	wr(P2VMAILBOX0, P2V_STS);		/* tell the VF, and let go of the buffer */
}

static int cfg_write16(int fd, uint64_t cfg_off, uint32_t reg, uint16_t v)
{
	return pwrite(fd, &v, 2, (off_t)(cfg_off + reg)) == 2 ? 0 : -1;
}

int main(int argc, char **argv)
{
	uint8_t token[16], mac[6];
	unsigned int m[6];
	char path[256], link[256];
	int iommufd, fd, cts = 0;
	unsigned long nmsg = 0;

	if (argc != 4 || parse_uuid(argv[2], token) ||
	    sscanf(argv[3], "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6) {
		fprintf(stderr, "usage: igb-pf BDF VF-TOKEN VF-MAC\n");
		return 2;
	}
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
#ifndef VFIO_DEVICE_BIND_FLAG_TOKEN
	fprintf(stderr, "igb-pf: built against a uAPI without VF tokens at bind\n");
	return 1;
#else
	/* the PF's cdev: /sys/bus/pci/devices/BDF/vfio-dev/vfioN -> /dev/vfio/devices/vfioN */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", argv[1]);
	DIR *dir = opendir(path);
	struct dirent *de;

	if (!dir)
		return die(path);
	link[0] = 0;
	while ((de = readdir(dir)))
		if (!strncmp(de->d_name, "vfio", 4))
			snprintf(link, sizeof(link), "%s", de->d_name);
	closedir(dir);
	if (!link[0]) {
		fprintf(stderr, "igb-pf: %s has no cdev (bound to vfio-pci?)\n", path);
		return 1;
	}
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", link);
	if ((fd = open(path, O_RDWR)) < 0)
		return die(path);
	if ((iommufd = open("/dev/iommu", O_RDWR)) < 0)
		return die("/dev/iommu");
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind), .flags = VFIO_DEVICE_BIND_FLAG_TOKEN,
		.iommufd = iommufd, .token_uuid_ptr = (uint64_t)(uintptr_t)token,
	};
	if (ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind) < 0)
		return die("VFIO_DEVICE_BIND_IOMMUFD with the VF token");
	struct vfio_region_info cfg = { .argsz = sizeof(cfg), .index = VFIO_PCI_CONFIG_REGION_INDEX };
	struct vfio_region_info b0 = { .argsz = sizeof(b0), .index = VFIO_PCI_BAR0_REGION_INDEX };
	if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &cfg) < 0 ||
	    ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &b0) < 0)
		return die("VFIO_DEVICE_GET_REGION_INFO");
	/* memory decode and bus mastering: the 82576 receives for its VFs only while its
	 * PF function is a bus master */
	if (cfg_write16(fd, cfg.offset, 0x04, 0x0006) < 0)
		return die("PCI command register");
	bar = mmap(NULL, b0.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)b0.offset);
	if (bar == MAP_FAILED)
		return die("mmap BAR 0");

	/* link up: force it, then restart autonegotiation through the PHY's control register */
	wr(CTRL, rd(CTRL) | CTRL_SLU);
	wr(MDIC, 0x1340u | 0u << 16 | 1u << 21 | 1u << 26);
	for (int i = 0; i < 3000 && !(rd(STATUS) & STATUS_LU); i++)
		sleep_ms(1);
	if (!(rd(STATUS) & STATUS_LU)) {
		fprintf(stderr, "igb-pf: the port's link did not come up\n");
		return 1;
	}
	/* VMDq pools, VF 0 in pool 0; receive and transmit on; VFs may reset. Extended
	 * interrupts (MSI-X mode): a VF's queue interrupts exist only in that mode, even
	 * though the PF itself takes none. */
	wr(GPIE, GPIE_NSICR | GPIE_MSIX_MODE | GPIE_EIAME | GPIE_PBA);
	wr(MRQC, MRQC_VMDQ);
	wr(VMOLR0, VMOLR_AUPE | VMOLR_ROMPE | VMOLR_BAM);
	wr(RCTL, rd(RCTL) | RCTL_EN | RCTL_BAM);
	wr(TCTL, rd(TCTL) | TCTL_EN);
	wr(VFLRE, rd(VFLRE));
	wr(MBVFICR, rd(MBVFICR));
	wr(CTRL_EXT, rd(CTRL_EXT) | CTRL_EXT_PFRSTD);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("igb-pf: ready (%s, VF 0 gets %s)\n", argv[1], argv[3]);
	fflush(stdout);

	while (!stop) {
		uint32_t icr = rd(MBVFICR), msg[16];

		if (rd(VFLRE) & 1) {			/* VF 0 reset itself (or was reset) */
			wr(VFLRE, 1);
			cts = 0;
		}
		if (icr & MBVFICR_ACK0)			/* the VF took our last message */
			wr(MBVFICR, MBVFICR_ACK0);
		if (!(icr & MBVFICR_REQ0)) {
			sleep_ms(1);
			continue;
		}
		wr(MBVFICR, MBVFICR_REQ0);
		if (!lock_mailbox())
			continue;
		for (int i = 0; i < 16; i++)
			msg[i] = rd(VMBMEM0 + 4 * i);
		wr(P2VMAILBOX0, P2V_ACK);		/* acknowledge, and let go of the buffer */
		nmsg++;
		if ((msg[0] & 0xffff) == VF_RESET) {
			wr(VFRE, rd(VFRE) | 1);
			wr(VFTE, rd(VFTE) | 1);
			set_rar(mac);
			uint32_t reply[3] = { VF_RESET | MSG_ACK,
					      mac[0] | mac[1] << 8 | mac[2] << 16 | (uint32_t)mac[3] << 24,
					      mac[4] | mac[5] << 8 };
			mbx_send(reply, 3);
			cts = 1;
			printf("igb-pf: VF 0 reset: MAC %s, receive and transmit on\n", argv[3]);
		} else if (!cts) {
			msg[0] |= MSG_NACK;
			mbx_send(msg, 1);
			printf("igb-pf: VF 0 message 0x%08x before its reset: refused\n", msg[0]);
		} else {
			/* a new MAC (not a filter add or clear, which carry MSGINFO) */
			if (msg[0] == VF_SET_MAC_ADDR) {
				uint8_t *nm = (uint8_t *)&msg[1];

				memcpy(mac, nm, 6);
				set_rar(mac);
			}
			printf("igb-pf: VF 0 message 0x%08x: acknowledged\n", msg[0]);
			msg[0] |= MSG_ACK | MSG_CTS;
			mbx_send(msg, 1);
		}
		fflush(stdout);
	}
	printf("igb-pf: stopped after %lu mailbox messages\n", nmsg);
	return 0;
#endif
}
