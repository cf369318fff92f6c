/* Reading an uncompressed x86_64 vmlinux: its ELF program headers (what to load where)
 * and, among its notes, the PVH entry point. Pure functions over bytes from the file, so
 * that a fuzzer can drive them; boot.c does the loading. */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "arch/x86/x86.h"
#include "vmm/err.h"

bool elf_is_elf(const uint8_t *head, size_t len)
{
	return len >= SELFMAG && !memcmp(head, ELFMAG, SELFMAG);
}

static const char *machine_name(unsigned m)
{
	switch (m) {
	case EM_386: return "i386";
	case EM_AARCH64: return "arm64";
	case EM_ARM: return "arm";
	case EM_RISCV: return "riscv";
	case EM_PPC64: return "ppc64";
	case EM_S390: return "s390";
	default: return NULL;
	}
}

int elf_kernel_parse(const uint8_t *head, size_t head_len, uint64_t file_len,
		     struct elf_kernel *k)
{
	Elf64_Ehdr eh;
	const char *mname;

	memset(k, 0, sizeof(*k));
	if (!elf_is_elf(head, head_len) || head_len < EI_NIDENT)
		return err_msg(EINVAL, "not an ELF file");
	if (head[EI_CLASS] != ELFCLASS64)
		return err_msg(EINVAL, "a 32-bit ELF; ptvm boots x86_64 kernels");
	if (head[EI_DATA] != ELFDATA2LSB)
		return err_msg(EINVAL, "a big-endian ELF; ptvm boots x86_64 kernels");
	if (head_len < sizeof(eh))
		return err_msg(EINVAL, "truncated ELF header (%zu bytes)", head_len);
	memcpy(&eh, head, sizeof(eh));
	if (eh.e_machine != EM_X86_64) {
		mname = machine_name(eh.e_machine);
		return mname ? err_msg(EINVAL, "an ELF for %s, not x86_64", mname)
			     : err_msg(EINVAL, "an ELF for machine %u, not x86_64", eh.e_machine);
	}
	if (eh.e_type != ET_EXEC)
		return err_msg(EINVAL, "an ELF of type %u, not an executable (a vmlinux is one)",
			       eh.e_type);
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
	    eh.e_phnum > 64 || eh.e_phoff > head_len ||
	    (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > head_len - eh.e_phoff)
		return err_msg(EINVAL, "ELF program headers missing or out of place (%u at %llu)",
			       eh.e_phnum, (unsigned long long)eh.e_phoff);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, head + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD && ph.p_type != PT_NOTE)
			continue;
		if (ph.p_offset > file_len || ph.p_filesz > file_len - ph.p_offset)
			return err_msg(EINVAL, "truncated: segment %u needs the file's bytes up to "
					       "%llu, the file has %llu", i,
				       (unsigned long long)(ph.p_offset + ph.p_filesz),
				       (unsigned long long)file_len);
		if (ph.p_type == PT_NOTE) {
			if (k->nnote == ELF_MAX_SEGMENTS)
				return err_msg(EINVAL, "more than %d note segments", ELF_MAX_SEGMENTS);
			k->note[k->nnote].offset = ph.p_offset;
			k->note[k->nnote++].size = ph.p_filesz;
			continue;
		}
		if (ph.p_memsz == 0)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_paddr + ph.p_memsz < ph.p_paddr)
			return err_msg(EINVAL, "segment %u has impossible sizes (file %llu, memory "
					       "%llu at 0x%llx)", i,
				       (unsigned long long)ph.p_filesz,
				       (unsigned long long)ph.p_memsz,
				       (unsigned long long)ph.p_paddr);
		if (k->nseg == ELF_MAX_SEGMENTS)
			return err_msg(EINVAL, "more than %d loadable segments", ELF_MAX_SEGMENTS);
		k->seg[k->nseg++] = (struct elf_segment){ .offset = ph.p_offset,
			.filesz = ph.p_filesz, .paddr = ph.p_paddr, .memsz = ph.p_memsz };
		if (ph.p_paddr + ph.p_memsz > k->end)
			k->end = ph.p_paddr + ph.p_memsz;
	}
	if (k->nseg == 0)
		return err_msg(EINVAL, "an ELF with nothing to load");
	return 0;
}

static uint32_t le32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* A note: namesz, descsz, type, then the name and the descriptor, each padded to 4 bytes.
 * The PVH entry is the note of type 18 named "Xen", its descriptor a 32-bit address (or a
 * 64-bit one whose high half is zero). */
int pvh_note_entry(const uint8_t *p, size_t len, uint32_t *entry)
{
	size_t off = 0;

	while (len - off >= 12) {
		uint32_t namesz = le32(p + off), descsz = le32(p + off + 4), type = le32(p + off + 8);
		size_t name = off + 12, desc, next;

		if (namesz > len || descsz > len)
			return err_msg(EINVAL, "malformed ELF note at %zu", off);
		desc = name + ((namesz + 3u) & ~3u);
		next = desc + ((descsz + 3u) & ~3u);
		if (desc > len || next > len)
			return err_msg(EINVAL, "malformed ELF note at %zu", off);
		if (type == PVH_NOTE_PHYS32_ENTRY && namesz == 4 && !memcmp(p + name, "Xen", 4)) {
			if (descsz == 8 && le32(p + desc + 4) != 0)
				return err_msg(EINVAL, "PVH entry point above 4 GiB");
			if (descsz != 4 && descsz != 8)
				return err_msg(EINVAL, "PVH entry note of %u bytes", descsz);
			*entry = le32(p + desc);
			return 1;
		}
		off = next;
	}
	return 0;
}
