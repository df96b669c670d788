"""Fixed RSA-2048 key pairs for the stayprivate mock: PUBLIC TEST KEYS, NOT SECRETS.

These keys are published in this repository on purpose, so that ``make serve``
users, tests and the test vectors get a stable key without paying for RSA key
generation. Anyone can read them: never register them with the real StayPrivate
or use them for anything but local testing.

- ``DEFAULT_PRIVATE_KEY_PEM`` / ``DEFAULT_PUBLIC_KEY_PEM``: the default
  company's pair (``GET /__mock__/config`` shows both).
- ``OTHER_PRIVATE_KEY_PEM``: a second pair, registered nowhere by default, for
  "signed with the wrong key" tests and vectors.

Generated once with ``cryptography`` (``rsa.generate_private_key(65537, 2048)``),
the equivalent of the seed's ``openssl genrsa -out privatejwt.key 2048``.
"""

from __future__ import annotations

from functools import cache

from cryptography.hazmat.primitives import serialization

DEFAULT_PRIVATE_KEY_PEM = """\
-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQC84VLL3Z2DK7Dp
rzK5H5nK62KiAcyEHB0rqZDxDCVel+IwSKQx0hsKLEOpIHUOzseH8Nqra19PdrUQ
27nU3N1HGY0bbVdT2pHGf9Qf3sRom07vbQUemdMUVKnUxgmVHmVZ0w70YmdQL/lD
DeTJQGsP3Rsmt0TPgUubnn3YxTYepsRJy+/hxmOCPGYysb9wgoYcGsFcKBLcNYLb
mZA8e2J0Q20SrLgNKiowpoM7GrnXtPs0+m1ZdWPO2ggJlx9Oj8jFUzJpFUnrQyRA
QWFLgWwZ9btBvi7ZUZd4t/1xfjDtXy+354eQytzNiqnTfIAqJvmEvyIOCAU2KdMC
9t+KuFaZAgMBAAECggEAEPZVRqyk0BpU3W+X6Qse9xuzdGQf9z9FGV41f4g9NOUD
8Z0cbcL2HbBC9UXObWGBhsJJCPrwCMVa1mQ9KJIbJx7yzqM/o+6th7uEE8agMdq8
uIC8ZHag/6Loy4xrYOJlbK8pGSZbK9bbFjwBr1cjJj4PiacMvWvZm+ScXaK8TP06
WRfZdOggeMrM4SrgkhF7fEib7Uyh5KvjLdToepKHr5xch1yddZioi4x66TL53UBz
FGgxFQ1zRrm4nqNYcUEVuN/Ykq4ONQS9znI75qzAuItGQ6lWwNYvRA8RSkXdP43Y
sx7a2xnZQlI8pSQ2fWuFE2unBHoFVaE/dnVcX8w7/wKBgQDxiExWaA0llSebCjZK
knVz+Rbe6/N0wj9gfT8alCqu84qparrXc5i/CW0MR60GHQKCwuaG+30A02YfzjV9
n6XdKMLUFlBykiebago7OcwoLV132rjJK8IjBJA2xLxv8EVzhlQGU0RWxjY5Bf/y
NDzPsTuK5oAPNxeyN898ELGRJwKBgQDIMaVq8dB/BcD3yYSJdyhBA8I3kL0O9lNP
jVkITru8QuOaPMjNbizIYSOnHaARirTkUuD3NiA3IUBkWyKwNPKe6CiFtV7TFQmT
9ro7lQ++OV3glKUIrKC9ihXA1NqnojXB+uuQo91Iq0p7ObZr1OZ3Yixh1/PBCFUA
EzbADXQyPwKBgBb8bq9mdaHXAQ7rOOF98LmZwghzEhdRiTCImuHPqgQ+XzriUmfA
s4+yuPMLOzcyuZNyMvgzpODYPYbXXBXZhLJ4d5oxiXRt3mEXBWQ/iuNj9do7MYzL
ok0s2QCtVnWcuy9UYFi9weo0MOLaZFJLkGH/rvf4GcXY62NlllRrTkrPAoGABOyT
sQm5oyY1FOM0C12O8+pvwIYi4FdWvUIwym+FVqAekRClr8fh+hvJkLa91TCgOm1/
cxU1vaVnvBAxzju/LAFx3bgUWQTPc4BCHG0SMg+fK4L8fDYizgazekbCChWHVPoj
CS++pabw8g79WbGm6ZDUnqN9L2ZREOtoEVlDXmkCgYBmY4UtrGBa4SqbzgUc/hNR
YIGntEga1yhuX6h544mMl2bKCp0HENOhg9DZCGcs/VMn7XMIzRFkHiS9to6srs7V
zZ2lvVTHDIg0Zsb/7BHXn3EhvOKNWDh5osBORKZwOsKUq9AiHSRvF3+Q7K/v0uhV
DNlIvm9ZnTKU+cJz8vKjXw==
-----END PRIVATE KEY-----
"""

DEFAULT_PUBLIC_KEY_PEM = """\
-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvOFSy92dgyuw6a8yuR+Z
yutiogHMhBwdK6mQ8QwlXpfiMEikMdIbCixDqSB1Ds7Hh/Daq2tfT3a1ENu51Nzd
RxmNG21XU9qRxn/UH97EaJtO720FHpnTFFSp1MYJlR5lWdMO9GJnUC/5Qw3kyUBr
D90bJrdEz4FLm5592MU2HqbEScvv4cZjgjxmMrG/cIKGHBrBXCgS3DWC25mQPHti
dENtEqy4DSoqMKaDOxq517T7NPptWXVjztoICZcfTo/IxVMyaRVJ60MkQEFhS4Fs
GfW7Qb4u2VGXeLf9cX4w7V8vt+eHkMrczYqp03yAKib5hL8iDggFNinTAvbfirhW
mQIDAQAB
-----END PUBLIC KEY-----
"""

OTHER_PRIVATE_KEY_PEM = """\
-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDBDoUt4D5pdCqB
yf8VDGUXJ6NxoUAcqDjwlK+C5qjGuCWN5WWT+wipI+p25bsucWezdCphbTGYUxyJ
FqD3vfwZ4zWuMencoNGbqR/gbdx3ZUQv2TI59OrbenqYLb9UauCDk8Z8S2T56CGl
IJkk1cdjminUKSj2x0TEsrRhNlCatpcM31K7xTG61ngUiiU7RZHm/6aWZlAKFNTU
I5Pwij7/ZhM1DH5PDGUcv0zfcZYgqwUN5iLhZPsfp+y2sADHYkzgxHJIBG0MrHBH
bJTwpgxrIXgWqNq/zjXYIZLE/lHRwA9NflrxFeXletqYt7HjUljmgrv28kt7p7++
k6pndH8PAgMBAAECggEACo2fJRtZfg0+F5sxqPZk/keJ7Te51/cwKaKPF5JBTp+Z
WfDcxSKXXhubAQXc3hSP7STf/jRoXiHI8Qt+IBzQD6A2en+6/3cBDkfH+M44m4Q7
Hnx6fOWRAw9mbTQu/c/b1wV4d6ntaqXQVQT7qiJPhHfUaocXeKn67d+w8ZF1BYf2
WrrcKR8C2fWKVz1Tm5CiOdc1mmJM8xG1548riPL7CGWPEU7ScLx/HVWyv9W9G26Q
+v5vx1L/LhhJ2k8/4rHNF8U80eJX3XRR89r0JqpX9ioyz5FyJQ+WYpLqh2pl11+p
fiHS6UHSauYUUYO0QnOa7xAb/OhSlS0oW4YuusrN4QKBgQDegrt74pePoCD6N6SK
hoxoo3B7BMhPc10pghQpymTbbUvC0bGa4u/mhQO6yUMWAjfh4z9e11I2x95h3ngr
dCbwnDq/0G2fMD3iKLb5AS+OK8kf9ge2u6lEUJkEz6Ip8bGUtQBcXGyPn1056lMh
+10kbu1Na03r8oNXMAYKQ4RDoQKBgQDeHO+lixj70pRQQJrw7aiP4U74AT4Cfd/L
h28ysE9WHAv9OE8mxIuxzgTPQLNGQthvn3TL/QMwT2SlkCUY5KL0ZdBc9VgnKbNy
obMSZ7Ev7agX+XOtiZy2NRWkVkNOOqFDn4IZqF4LAyjLnv3tnN1Yk86GBLTPMI1g
5dY+tWPErwKBgQC+RRpfCFdD6NDqRjR8hCuCuufPOjqzvdmXSfVF+x0diat0L23p
HU+5VlrnGX01T7ZLgdBJoGRcFbMzC1LFDbDSpTWTmn5y1oTEZL551Sq+LvDwVKkp
9/T5RtZih86KgXOxzsk9MYdflQ3aHWbzMwflxLlFL5HVRm5LWvR/SFbMoQKBgQCc
SF3y7DGTFvNWmG6s8Xw2aMEoza71D96FFfGPB/F61Fc3QASpcYgdfqlxrsO1v1kN
CXSkB43T0zktKYSAxHdIYc8/aT4yqCvkj5QxchaBc8ZfwBy90WMb7bQhorTO+X/4
1eYz6XzqYLm2tFNVepdgOPgK4oracf44XN/n1beybwKBgD3xLdT2LxJxgA8HC7mf
skVY5ycSyrf84NDtlh/x2d0wN3fGl7C8sW0tDjoOefs6bTNo/ojULxW9QO2Fw4lH
wfX+lxou/dqHiMSuyPUDidBVQY4AADRC9q5X0sjHNniZMVz98ulutBg/0flfK1Vp
fSyMh18iaYBnp3WaMUc+QrBF
-----END PRIVATE KEY-----
"""


@cache
def public_pem_of(private_pem: str) -> str:
    """The SubjectPublicKeyInfo PEM of a PEM private key (cached: parsing RSA keys is not free)."""
    key = serialization.load_pem_private_key(private_pem.encode("ascii"), password=None)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")
