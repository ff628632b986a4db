/*
 * A stand-in for Windows' bcryptprimitives.dll, for running tokfetch.exe under Wine 8.0
 * (Debian 12), which lacks that DLL. Rust's standard library (1.78 and later) imports
 * ProcessPrng from it when a program loads, so without it no Rust .exe starts under that Wine
 * ("Library bcryptprimitives.dll not found", exit 53). Wine 8.13 and later ship the real one.
 *
 * ProcessPrng fills a buffer with random bytes and always succeeds; here it is served by
 * advapi32's RtlGenRandom (exported as SystemFunction036), which Wine implements with the
 * host's random source. Used only by the Wine smoke tests (dist/check), never shipped.
 *
 * Build: x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll bcryptprimitives.c -ladvapi32
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
