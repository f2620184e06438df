/*
 * The exec target of the exec loop in hooks.c: a static executable without libc or dynamic
 * loader that exits 0 at once, so the loop's cost is the exec itself and not what follows it.
 *
 *   gcc -O2 -static -nostdlib -fno-stack-protector -o hooks-nop hooks-nop.c
 */
void _start(void)
{
	__asm__ volatile("mov $60, %eax\n\t" /* exit */
			 "xor %edi, %edi\n\t"
			 "syscall");
	__builtin_unreachable();
}
