import base64
import json
import requests
from Crypto.Cipher import AES
from Crypto.Random import get_random_bytes
def encrypt_payload(data_bytes, key):
    iv = get_random_bytes(12)
    cipher = AES.new(key, AES.MODE_GCM, nonce=iv)
    ciphertext, tag = cipher.encrypt_and_digest(data_bytes)
    return iv, ciphertext + tag
def main():
    # Step 1: Set up API key and endpoint
    api_key = "sealmail-netcore-email-key"
    url = "http://127.0.0.1:8101/v6/mail/send"
    # Step 2: Define JSON payload
    data = {
    "personalizations": [{
    "to": [{"email": "john.doe@example.com", "name": "John Doe"}]
    }],
    "from": {"email": "sender@example.com", "name": "Your Sender Name"},
    "subject": "Encrypted Test Email via Python",
    "content": [{"type": "html", "value": "This is a test email with an encrypted payload."}]
    }
    # Step 3: Encrypt payload
    aes_key = get_random_bytes(32)
    iv, encrypted_blob = encrypt_payload(json.dumps(data).encode('utf-8'), aes_key)
    # Step 4: Base64 encode data
    base64_key = base64.b64encode(aes_key).decode('utf-8')
    base64_iv = base64.b64encode(iv).decode('utf-8')
    final_payload = base64.b64encode(encrypted_blob).decode('utf-8')
    # Step 5: Send API request
    headers = {
    'Content-Type': 'application/json',
    'Authorization': f'Bearer {api_key}',
    'X-Encryption': '1',
    'X-Encryption-Version': '2',
    'X-AES-KEY': base64_key,
    'X-AES-IV': base64_iv
    }
    response = requests.post(url, headers=headers, data=final_payload)
    print(f"Status: {response.status_code}")
    try:
        print(json.dumps(response.json(), indent=2))
    except json.JSONDecodeError:
        print(response.text)
if __name__ == "__main__":
    main()
