/* Self-registration through linker sections: a file declares its entry with one line and
 * the build (Kconfig) decides whether the file is linked at all. Each section holds
 * pointers, so entries are evenly spaced whatever the structure's alignment. */
#ifndef PTVM_REGISTRY_H
#define PTVM_REGISTRY_H

#define PTVM_REGISTER(sect, type, obj)                                                   \
	static const type *const sect##_##obj                                            \
		__attribute__((used, section(#sect), aligned(sizeof(void *)))) = &(obj)

/* Declares the section bounds; weak, so an empty section links and iterates zero times. */
#define PTVM_SECTION(sect, type)                                                         \
	extern const type *const __start_##sect[] __attribute__((weak));                \
	extern const type *const __stop_##sect[] __attribute__((weak))

#define PTVM_FOREACH(sect, var)                                                          \
	for (const __typeof__(**__start_##sect) *const *var##_it = __start_##sect, *var; \
	     var##_it && var##_it < __stop_##sect && ((var = *var##_it), 1); var##_it++)

#endif
