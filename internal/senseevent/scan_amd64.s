//go:build amd64 && !purego

#include "go_asm.h"
#include "textflag.h"

// SEMICOLONS32 sets bit k of AX (and the flags) for each ';' among the 32
// bytes at SI+from, clobbering DX, X1 and X2, and ORs the bytes into X3.
#define SEMICOLONS32(from) \
	MOVOU (SI)(from*1), X1 \
	MOVOU 16(SI)(from*1), X2 \
	POR X1, X3 \
	POR X2, X3 \
	PCMPEQB X0, X1 \
	PCMPEQB X0, X2 \
	PMOVMSKB X1, AX \
	PMOVMSKB X2, DX \
	SHLQ $16, DX \
	ORQ DX, AX

// func scanSemicolons(line string, pos *[posLen]int32) (n int, ascii bool)
//
// Records where every ';' of line (at least 32 bytes) is, as fields.record
// does: the first maxSeparators in order, those after them all in
// pos[maxSeparators]. It reads 32 bytes a round with SSE2 (part of every
// amd64 CPU): PCMPEQB marks the ';' bytes, PMOVMSKB gathers them into a bit
// mask, and TZCNT takes the bits in order. (On a CPU without BMI1, TZCNT runs
// as BSF, which gives the same result for the non-zero masks it is used on.)
// The last round reads the last 32 bytes again and drops the ones already
// seen. A round that cannot reach the spare slot records its separators
// without checking for it (spare does, for the others and the last round):
// the check was three of the ten instructions per separator. ascii is
// whether no byte has its high bit set.
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

// Rounds of 32 new bytes, i to i+31.
full:
	CMPQ R9, R12
	JGT last
	SEMICOLONS32(R9) // bit k: byte i+k is a ';'
	JZ nextfull
	CMPQ R8, $(const_maxSeparators-32)
	JGT fullspare // this round's could reach the spare slot

record:
	TZCNTQ AX, DX
	ADDQ R9, DX
	MOVL DX, (DI)(R8*4)
	INCQ R8
	LEAQ -1(AX), DX
	ANDQ DX, AX
	JNZ record

nextfull:
	ADDQ $32, R9
	JMP full

fullspare:
	MOVQ R9, R10
	JMP spare

// The bytes from i on, fewer than 32: the last 32 bytes of the line, those
// before i dropped.
last:
	CMPQ R9, R13
	JGE done
	SEMICOLONS32(R12)
	MOVQ R9, CX
	SUBQ R12, CX
	SHRQ CX, AX // drop the bytes before i: bit k is now byte i+k
	MOVQ R9, R10
	TESTQ AX, AX
	JNZ spare

done:
	MOVQ R8, n+24(FP)
	PMOVMSKB X3, AX
	TESTL AX, AX
	SETEQ ascii+32(FP)
	RET

// spare records the ';' marked in AX (bit k for byte R10+k), those past
// maxSeparators (R11) all in the spare slot, then goes on with the next
// full round, or ends after the last round (the only one with i > R12).
spare:
	TZCNTQ AX, DX
	ADDQ R10, DX
	MOVQ R8, CX
	CMPQ CX, R11
	CMOVQHI R11, CX // past maxSeparators: the spare slot
	MOVL DX, (DI)(CX*4)
	INCQ R8
	LEAQ -1(AX), DX
	ANDQ DX, AX
	JNZ spare
	CMPQ R9, R12
	JLE nextfull
	JMP done
