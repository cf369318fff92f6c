/* vCPUs: one thread each, running KVM_RUN and dispatching exits to the buses. */
#ifndef PTVM_VCPU_H
#define PTVM_VCPU_H

#include "vmm/vm.h"

/* Creates vm->ncpus vCPUs (kernel objects, run areas, arch state). */
int vcpus_create(struct vm *vm, int n);
/* Entry registers, once the kernel or payload is loaded. */
int vcpus_entry(struct vm *vm);
int vcpus_start(struct vm *vm);
/* Lets the started vCPU threads run the guest (they wait from vcpus_start until then). */
void vcpus_release(struct vm *vm);
/* Tells every running vCPU to come back and joins its thread. Idempotent. */
void vcpus_stop(struct vm *vm);
void vcpus_destroy(struct vm *vm);

#endif
