/*
 * bcryptprimitives.dll for Wine 8 (test harness only, never shipped).
 *
 * Rust's std (1.78 and later) gets its random bytes from ProcessPrng in
 * bcryptprimitives.dll, imported at start-up. Wine 8, the one in Debian 12,
 * has no such DLL, so every Rust program stops before main. This one
 * exports ProcessPrng and fills the buffer from RtlGenRandom, which
 * advapi32 exports as SystemFunction036 and Wine has long had.
 *
 * Built by ci/windows.sh:
 *   x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll \
 *     processprng.c -ladvapi32
 */
#include <windows.h>

/* RtlGenRandom: declared here, as ntsecapi.h renames it by macro. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

/* As documented: fills data with len random bytes; always TRUE on
   Windows, so callers do not check. It is FALSE here only if Wine's
   generator fails, and the caller then panics, which is what we want. */
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        /* RtlGenRandom takes a 32-bit length. */
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
