/* libFuzzer target: what a control-socket client sends (vmm/api.c, vmm/json.c). Each line
 * of the input is a request: its answer must be one JSON object that ptvm's own reader
 * accepts, with "ok". The whole input also goes through the generic reader (values,
 * strings, objects and arrays at any nesting), which must never read outside it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/api.h"
#include "vmm/config.h"
#include "vmm/json.h"

static int has_ok;

static int member(void *ctx, const char *key, const char *v, const char *vend, enum jtype t)
{
	char s[64];

	(void)ctx;
	if (!strcmp(key, "ok") && (t == J_TRUE || t == J_FALSE))
		has_ok = 1;
	if (t == J_STRING)
		json_string(v, vend, s, sizeof(s));
	return 0;
}

static int element(void *ctx, const char *v, const char *vend, enum jtype t)
{
	(void)ctx;
	if (t == J_OBJECT)
		json_object(v, vend, member, NULL);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm_config cfg;
	char *copy = malloc(size ? size : 1), reply[API_MAX_REPLY];
	struct vm vm;
	enum jtype t;
	size_t at = 0;

	memcpy(copy, data, size); /* exactly size bytes: ASan sees any overread */
	memset(&vm, 0, sizeof(vm));
	config_init(&cfg);
	vm.cfg = &cfg;
	vm.stop_fd = vm.powerdown.timer_fd = -1;
	pthread_mutex_init(&vm.stop_lock, NULL);
	while (at < size) {
		const char *nl = memchr(copy + at, '\n', size - at);
		size_t len = nl ? (size_t)(nl - (copy + at)) : size - at;

		api_answer(&vm, copy + at, len, reply, sizeof(reply));
		has_ok = 0;
		if (json_object(reply, reply + strlen(reply), member, NULL) != 0 || !has_ok)
			__builtin_trap();
		at += len + 1;
	}
	if (json_value(copy, copy + size, &t)) {
		if (t == J_OBJECT)
			json_object(copy, copy + size, member, NULL);
		else if (t == J_ARRAY)
			json_array(copy, copy + size, element, NULL);
	}
	pthread_mutex_destroy(&vm.stop_lock);
	free(copy);
	return 0;
}
