/* ptvm's arm64 test payloads: the board's addresses (arch/arm64/arm64.h) and what the
 * payloads share: the PL011, testdev's exit port through the PCI I/O window, PSCI, the
 * ECAM, the GICv3 distributor, redistributor and CPU interface, and the ITS. Freestanding
 * C, run with the MMU off: every access is a Device access, so all of them are aligned
 * (-mstrict-align). */
#ifndef PTVM_PAYLOAD_ARM64_LIB_H
#define PTVM_PAYLOAD_ARM64_LIB_H

#include <stdint.h>

#define ECAM       0xe0000000ul
#define PCI_IO     0xe1000000ul
#define UART       0xe2000000ul
#define GICD       0xf0000000ul
#define ITS        0xf0020000ul
#define GICR       0xf0100000ul          /* vCPU 0's redistributor */
#define TRANSLATER (ITS + 0x10040)
#define TESTDEV_EXIT 0xf4                /* testdev's exit port, in the I/O window */
#define LPI_BASE   8192

#define EDU_ID     0x11e81234u           /* vendor 1234, device 11e8 */

/* MMIO: one plain load or store each, never a pair or one with writeback, which the
 * compiler could choose for a volatile pointer in a loop and which KVM cannot decode */
#define MMIO_RD(name, type, insn, reg)                                                     \
	static inline type name(uintptr_t a)                                               \
	{                                                                                  \
		type v;                                                                    \
		__asm__ volatile(insn " %" reg "0, [%1]" : "=r"(v) : "r"(a) : "memory");   \
		return v;                                                                  \
	}
#define MMIO_WR(name, type, insn, reg)                                                     \
	static inline void name(uintptr_t a, type v)                                       \
	{                                                                                  \
		__asm__ volatile(insn " %" reg "0, [%1]" : : "rZ"(v), "r"(a) : "memory");  \
	}
MMIO_RD(rd16, uint16_t, "ldrh", "w")
MMIO_RD(rd32, uint32_t, "ldr", "w")
MMIO_RD(rd64, uint64_t, "ldr", "x")
MMIO_WR(wr8, uint8_t, "strb", "w")
MMIO_WR(wr16, uint16_t, "strh", "w")
MMIO_WR(wr32, uint32_t, "str", "w")
MMIO_WR(wr64, uint64_t, "str", "x")

void puts_(const char *s);
void puthex(uint64_t v);
void putdec(uint64_t v);
void fail(unsigned code) __attribute__((noreturn));  /* "FAIL n", then testdev exit n */
void psci_off(void) __attribute__((noreturn));
void psci_reset(void) __attribute__((noreturn));

uint32_t cfg_rd32(unsigned slot, unsigned off);
void cfg_wr32(unsigned slot, unsigned off, uint32_t v);
uint16_t cfg_rd16(unsigned slot, unsigned off);
void cfg_wr16(unsigned slot, unsigned off, uint16_t v);
unsigned cfg_find_cap(unsigned slot, unsigned id);     /* 0: none */

/* The distributor (affinity routing on, group 1 enabled) and the CPU interface (every
 * priority let through, group 1 enabled); interrupts stay masked: payloads poll IAR. */
/* The exception vectors (start.S): a synchronous exception at EL1 records ESR_EL1 in
 * last_esr and resumes after the instruction (it clobbers x9 and x10); any other
 * exception ends the payload with testdev exit code 40. */
extern const char vectors[];
extern volatile uint64_t last_esr;

void gic_init(void);
void gic_spi_enable(unsigned intid);            /* level, group 1, to vCPU 0 */
unsigned gic_ack(void);                         /* ICC_IAR1_EL1: 1023 when none */
void gic_eoi(unsigned intid);
/* LPIs on vCPU 0 through the ITS: tables in guest RAM, one collection (0, vCPU 0). */
void its_init(void);
void its_map(uint32_t devid, uint32_t event, uint32_t lpi);  /* MAPD + MAPTI + SYNC */

#endif
