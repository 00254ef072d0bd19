# Start-up for tinyae's firmware harness on QEMU's Xtensa `sim` machine (`-cpu de233_fpu`),
# call0 ABI (see scripts/xtensa-qemu.py for why). Assembled by LLVM (upstream rustc rejects
# asm! on Xtensa), wrapped as module asm by scripts/xtensa-literals.py.
#
# Semihosting: `simcall` with a2 = call (1 exit, 4 write), a3.. = arguments. LLVM has no
# mnemonic for it, so it is spelled as its three bytes.
#
# Exceptions (there should be none) exit QEMU with status 100 + EXCCAUSE.
	.section .vectors,"ax"
	.global _vectors
	.align 4
_vectors:
	.org 0x300
_KernelException:
	j _fault
	.org 0x340
_UserException:
	j _fault
	.org 0x3c0
_DoubleException:
	j _fault

	# QEMU starts at the reset vector in ROM, whatever the ELF's entry: jump to 0x3000.
	.section .reset,"ax"
	.global _reset
_reset:
	movi a0, 0x300
	slli a0, a0, 4
	jx a0

	.section .text._reset,"ax"
	.align 4
	j _start

	.section .text._start,"ax"
	.align 4
.Lwrite:
	.4byte tinyae_xtensa_write
.Lrun:
	.4byte tinyae_firmware_run
	.global _start
	.align 4
_start:
	movi a0, 0
	movi a1, 1024
	slli a1, a1, 16
	addi a1, a1, -64
	movi a2, 1
	wsr a2, windowstart
	movi a2, 0
	wsr a2, windowbase
	rsync
	movi a2, 0x200
	slli a2, a2, 4
	wsr a2, vecbase
	movi a2, 1
	wsr a2, cpenable
	movi a2, 15
	wsr a2, ps
	rsync
	l32r a2, .Lwrite
	l32r a4, .Lrun
	callx0 a4
	movi a3, 0
	movi a2, 1
	.byte 0x00, 0x51, 0x00  # simcall (LLVM has no mnemonic)
1:	j 1b

_fault:
	rsr a3, exccause
	addi a3, a3, 100
	movi a2, 1
	.byte 0x00, 0x51, 0x00  # simcall (LLVM has no mnemonic)
2:	j 2b

	.section .text.tinyae_xtensa_write,"ax"
	.global tinyae_xtensa_write
	.align 4
tinyae_xtensa_write:
	mov a4, a2
	mov a5, a3
	movi a2, 4
	movi a3, 1
	.byte 0x00, 0x51, 0x00  # simcall (LLVM has no mnemonic)
	ret

	.section .text.abort,"ax"
	.global abort
	.align 4
abort:
	movi a3, 134
	movi a2, 1
	.byte 0x00, 0x51, 0x00  # simcall: exit(134)
3:	j 3b
