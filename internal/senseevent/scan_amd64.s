//go:build amd64 && !purego

#include "go_asm.h"
#include "textflag.h"

// func scanSemicolons(line string, pos *[posLen]int32) (n int, ascii bool)
//
// Records where every ';' of line (at least 32 bytes) is, as fields.record
// does: the first maxSeparators in order, those after them all in
// pos[maxSeparators]. It reads 32 bytes a round with SSE2 (part of every
// amd64 CPU): PCMPEQB marks the ';' bytes, PMOVMSKB gathers them into a bit
// mask, and TZCNT takes the bits in order. (On a CPU without BMI1, TZCNT runs
// as BSF, which gives the same result for the non-zero masks it is used on.)
// The last round reads the last 32 bytes again and drops the ones already
// seen. ascii is whether no byte has its high bit set.
TEXT ·scanSemicolons(SB), NOSPLIT, $0-33
	MOVQ line_base+0(FP), SI
	MOVQ line_len+8(FP), R13
	MOVQ pos+16(FP), DI
	MOVQ $0x3b3b3b3b3b3b3b3b, AX
	MOVQ AX, X0
	PUNPCKLQDQ X0, X0 // ';' in every byte
	PXOR X3, X3       // the OR of every byte read
	XORQ R8, R8       // n: separators found
	XORQ R9, R9       // i: the bytes before it are done
	MOVQ $const_maxSeparators, R11
	LEAQ -32(R13), R12 // where the last round starts

round:
	CMPQ R9, R13
	JGE done
	MOVQ R9, BX // where this round reads
	CMPQ BX, R12
	JLE read
	MOVQ R12, BX

read:
	MOVOU (SI)(BX*1), X1
	MOVOU 16(SI)(BX*1), X2
	POR X1, X3
	POR X2, X3
	PCMPEQB X0, X1
	PCMPEQB X0, X2
	PMOVMSKB X1, AX
	PMOVMSKB X2, DX
	SHLQ $16, DX
	ORQ DX, AX
	MOVQ R9, CX
	SUBQ BX, CX
	SHRQ CX, AX       // drop the bytes before i: bit k is now i+k
	MOVQ R9, R10      // the position of bit 0
	LEAQ 32(BX), R9
	TESTQ AX, AX
	JZ round

record:
	TZCNTQ AX, DX
	ADDQ R10, DX
	MOVQ R8, CX
	CMPQ CX, R11
	CMOVQHI R11, CX   // past maxSeparators: the spare slot
	MOVL DX, (DI)(CX*4)
	INCQ R8
	LEAQ -1(AX), DX
	ANDQ DX, AX
	JNZ record
	JMP round

done:
	MOVQ R8, n+24(FP)
	PMOVMSKB X3, AX
	TESTL AX, AX
	SETEQ ascii+32(FP)
	RET
