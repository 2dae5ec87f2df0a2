/*
 * AWS Signature Version 4 against published vectors: AWS's signature
 * test suite (aws-sig-v4-test-suite: access key AKIDEXAMPLE, region
 * us-east-1, service "service", 20150830T123600Z) and the examples in
 * the S3 API reference ("Signature Calculations for the Authorization
 * Header", examplebucket, AKIAIOSFODNN7EXAMPLE, 20130524T000000Z).
 * Expected canonical requests, strings to sign and signatures are the
 * published ones, not values this code produced.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sigv4.h"

#define EMPTY_SHA256                                                           \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

#define SUITE_DATE  "20150830T123600Z"
#define SUITE_SCOPE "20150830/us-east-1/service/aws4_request"
#define SUITE_HOST  "example.amazonaws.com"

static struct sigv4_request
suite_request(const char *method, const struct sigv4_header *h, size_t nh)
{
	struct sigv4_request r;

	memset(&r, 0, sizeof(r));
	r.method = method;
	r.path = "/";
	r.headers = h;
	r.nheaders = nh;
	r.payload_hash = EMPTY_SHA256;
	r.access_key = "AKIDEXAMPLE";
	r.secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	r.region = "us-east-1";
	r.service = "service";
	r.amz_date = SUITE_DATE;
	return (r);
}

static struct sigv4_request
s3_request(const char *method, const char *path, const struct sigv4_header *h,
           size_t nh, const char *payload)
{
	struct sigv4_request r;

	memset(&r, 0, sizeof(r));
	r.method = method;
	r.path = path;
	r.headers = h;
	r.nheaders = nh;
	r.payload_hash = payload;
	r.access_key = "AKIAIOSFODNN7EXAMPLE";
	r.secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
	r.region = "us-east-1";
	r.service = "s3";
	r.amz_date = "20130524T000000Z";
	return (r);
}

static void
test_get_vanilla(void **state)
{
	const struct sigv4_header h[] = {
	    {"Host", SUITE_HOST},
	    {"X-Amz-Date", SUITE_DATE},
	};
	struct sigv4_request r = suite_request("GET", h, 2);
	struct sigv4_result res;

	(void)state;
	assert_int_equal(sigv4_sign(&r, &res), 0);
	assert_string_equal(
	    res.canonical_request,
	    "GET\n/\n\nhost:example.amazonaws.com\n"
	    "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" EMPTY_SHA256);
	assert_string_equal(res.string_to_sign,
	                    "AWS4-HMAC-SHA256\n" SUITE_DATE "\n" SUITE_SCOPE
	                    "\nbb579772317eb040ac9ed261061d46c1f17a8133879d61"
	                    "29b6e1c25292927e63");
	assert_string_equal(res.signature, "5fa00fa31553b73ebf1942676e86291e83"
	                                   "72ff2a2260956d9b8aae1d763fbf31");
	assert_string_equal(
	    res.authorization,
	    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" SUITE_SCOPE
	    ", SignedHeaders=host;x-amz-date, Signature="
	    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b"
	    "8aae1d763fbf31");
	sigv4_result_free(&res);
}

static void
test_get_vanilla_query_order_key_case(void **state)
{
	const struct sigv4_header h[] = {
	    {"Host", SUITE_HOST},
	    {"X-Amz-Date", SUITE_DATE},
	};
	const struct sigv4_param p[] = {
	    {"Param2", "value2"},
	    {"Param1", "value1"},
	};
	struct sigv4_request r = suite_request("GET", h, 2);
	struct sigv4_result res;

	(void)state;
	r.params = p;
	r.nparams = 2;
	assert_int_equal(sigv4_sign(&r, &res), 0);
	assert_string_equal(res.canonical_query, "Param1=value1&Param2=value2");
	assert_string_equal(
	    res.canonical_request,
	    "GET\n/\nParam1=value1&Param2=value2\n"
	    "host:example.amazonaws.com\n"
	    "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" EMPTY_SHA256);
	assert_string_equal(res.string_to_sign,
	                    "AWS4-HMAC-SHA256\n" SUITE_DATE "\n" SUITE_SCOPE
	                    "\n816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93"
	                    "762cf0fc39e2cf19e0");
	assert_string_equal(res.signature, "b97d918cfa904a5beff61c982a1b6f458b"
	                                   "799221646efd99d3219ec94cdf2500");
	sigv4_result_free(&res);
}

static void
test_post_x_www_form_urlencoded(void **state)
{
	const struct sigv4_header h[] = {
	    {"Content-Type", "application/x-www-form-urlencoded"},
	    {"Host", SUITE_HOST},
	    {"X-Amz-Date", SUITE_DATE},
	};
	struct sigv4_request r = suite_request("POST", h, 3);
	struct sigv4_result res;
	char payload[SIGV4_HEX_LEN + 1];

	(void)state;
	sigv4_sha256_hex("Param1=value1", 13, payload);
	assert_string_equal(payload, "9095672bbd1f56dfc5b65f3e153adc8731a4a654"
	                             "192329106275f4c7b24d0b6e");
	r.payload_hash = payload;
	assert_int_equal(sigv4_sign(&r, &res), 0);
	assert_string_equal(res.canonical_request,
	                    "POST\n/\n\n"
	                    "content-type:application/x-www-form-urlencoded\n"
	                    "host:example.amazonaws.com\n"
	                    "x-amz-date:20150830T123600Z\n\n"
	                    "content-type;host;x-amz-date\n"
	                    "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106"
	                    "275f4c7b24d0b6e");
	assert_string_equal(res.string_to_sign,
	                    "AWS4-HMAC-SHA256\n" SUITE_DATE "\n" SUITE_SCOPE
	                    "\n42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e"
	                    "6d19c73c2154021281");
	assert_string_equal(res.signature, "ff11897932ad3f4e8b18135d722051e5ac"
	                                   "45fc38421b1da7b9d196a0fe09473a");
	sigv4_result_free(&res);
}

static void
test_get_header_value_trim(void **state)
{
	/* The request's "My-Header1: value1" and "My-Header2: "a   b   c"":
	 * the value after the colon, with its leading space. */
	const struct sigv4_header h[] = {
	    {"Host", SUITE_HOST},
	    {"My-Header1", " value1"},
	    {"My-Header2", " \"a   b   c\""},
	    {"X-Amz-Date", SUITE_DATE},
	};
	struct sigv4_request r = suite_request("GET", h, 4);
	struct sigv4_result res;

	(void)state;
	assert_int_equal(sigv4_sign(&r, &res), 0);
	assert_non_null(strstr(res.canonical_request,
	                       "\nmy-header1:value1\nmy-header2:\"a b c\"\n"));
	assert_string_equal(
	    res.authorization,
	    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" SUITE_SCOPE
	    ", SignedHeaders=host;my-header1;my-header2;"
	    "x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b"
	    "9911fcaa05412b367055dee359757a9c736");
	sigv4_result_free(&res);
}

static void
test_get_header_key_duplicate(void **state)
{
	const struct sigv4_header h[] = {
	    {"Host", SUITE_HOST},       {"My-Header1", "value2"},
	    {"My-Header1", "value2"},   {"My-Header1", "value1"},
	    {"X-Amz-Date", SUITE_DATE},
	};
	struct sigv4_request r = suite_request("GET", h, 5);
	struct sigv4_result res;

	(void)state;
	assert_int_equal(sigv4_sign(&r, &res), 0);
	assert_string_equal(res.canonical_request,
	                    "GET\n/\n\nhost:example.amazonaws.com\n"
	                    "my-header1:value2,value2,value1\n"
	                    "x-amz-date:20150830T123600Z\n\n"
	                    "host;my-header1;x-amz-date\n" EMPTY_SHA256);
	assert_string_equal(res.string_to_sign,
	                    "AWS4-HMAC-SHA256\n" SUITE_DATE "\n" SUITE_SCOPE
	                    "\ndc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551"
	                    "b4117b15527fbe966c");
	assert_string_equal(res.signature, "c9d5ea9f3f72853aea855b47ea87383289"
	                                   "0dbdd183b4468f858259531a5138ea");
	sigv4_result_free(&res);
}

/* S3 API reference, "Example: GET Object": the first ten bytes of
 * test.txt. */
static void
test_s3_get_object(void **state)
{
	const struct sigv4_header h[] = {
	    {"Host", "examplebucket.s3.amazonaws.com"},
	    {"Range", "bytes=0-9"},
	    {"x-amz-content-sha256", EMPTY_SHA256},
	    {"x-amz-date", "20130524T000000Z"},
	};
	struct sigv4_request r =
	    s3_request("GET", "/test.txt", h, 4, EMPTY_SHA256);
	struct sigv4_result res;

	(void)state;
	assert_int_equal(sigv4_sign(&r, &res), 0);
	assert_string_equal(
	    res.canonical_request,
	    "GET\n/test.txt\n\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "range:bytes=0-9\n"
	    "x-amz-content-sha256:" EMPTY_SHA256 "\n"
	    "x-amz-date:20130524T000000Z\n\n"
	    "host;range;x-amz-content-sha256;x-amz-date\n" EMPTY_SHA256);
	assert_string_equal(res.string_to_sign,
	                    "AWS4-HMAC-SHA256\n20130524T000000Z\n"
	                    "20130524/us-east-1/s3/aws4_request\n"
	                    "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb"
	                    "2dc43964946972");
	assert_string_equal(res.signature, "f0e8bdb87c964420e857bd35b5d6ed310b"
	                                   "d44f0170aba48dd91039c6036bdb41");
	assert_string_equal(
	    res.authorization,
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/"
	    "us-east-1/s3/aws4_request, SignedHeaders=host;range;"
	    "x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd"
	    "35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
	sigv4_result_free(&res);
}

/* S3 API reference, "Example: PUT Object": the key test$file.text, whose
 * '$' is encoded once (%24). */
static void
test_s3_put_object(void **state)
{
	char payload[SIGV4_HEX_LEN + 1];
	const struct sigv4_header h[] = {
	    {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
	    {"Host", "examplebucket.s3.amazonaws.com"},
	    {"x-amz-content-sha256", payload},
	    {"x-amz-date", "20130524T000000Z"},
	    {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
	};
	struct sigv4_request r;
	struct sigv4_result res;

	(void)state;
	sigv4_sha256_hex("Welcome to Amazon S3.", 21, payload);
	r = s3_request("PUT", "/test$file.text", h, 5, payload);
	assert_string_equal(payload, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b"
	                             "4b4e99e42034a8b803f8b072");
	assert_int_equal(sigv4_sign(&r, &res), 0);
	assert_string_equal(res.canonical_path, "/test%24file.text");
	assert_string_equal(res.string_to_sign,
	                    "AWS4-HMAC-SHA256\n20130524T000000Z\n"
	                    "20130524/us-east-1/s3/aws4_request\n"
	                    "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a"
	                    "76b4158342019d");
	assert_string_equal(res.signature, "98ad721746da40c64f1a55b78f14c238d8"
	                                   "41ea1380cd77a1b5971af0ece108bd");
	sigv4_result_free(&res);
}

/* S3 API reference, "Example: GET Bucket Lifecycle" (a parameter without
 * a value) and "Example: Get Bucket (List Objects)". */
static void
test_s3_bucket_queries(void **state)
{
	const struct sigv4_header h[] = {
	    {"Host", "examplebucket.s3.amazonaws.com"},
	    {"x-amz-content-sha256", EMPTY_SHA256},
	    {"x-amz-date", "20130524T000000Z"},
	};
	const struct sigv4_param lifecycle[] = {{"lifecycle", ""}};
	const struct sigv4_param list[] = {{"max-keys", "2"}, {"prefix", "J"}};
	struct sigv4_request r = s3_request("GET", "/", h, 3, EMPTY_SHA256);
	struct sigv4_result res;

	(void)state;
	r.params = lifecycle;
	r.nparams = 1;
	assert_int_equal(sigv4_sign(&r, &res), 0);
	assert_string_equal(res.canonical_query, "lifecycle=");
	assert_string_equal(res.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0"
	                                   "d65c699e0f91ac7a200a0136783543");
	sigv4_result_free(&res);

	r.params = list;
	r.nparams = 2;
	assert_int_equal(sigv4_sign(&r, &res), 0);
	assert_string_equal(res.canonical_query, "max-keys=2&prefix=J");
	assert_string_equal(res.signature, "34b48302e7b5fa45bde8084f4b7868a86f"
	                                   "0a534bc59db6670ed5711ef69dc6f7");
	sigv4_result_free(&res);
}

static void
test_helpers(void **state)
{
	char d[SIGV4_DATE_LEN + 1], *e;

	(void)state;
	sigv4_amz_date(1440938160, d); /* the suite's instant */
	assert_string_equal(d, SUITE_DATE);
	e = sigv4_uri_encode("a b/c$~-._Z9\xe1\x88\xb4", 15, 1);
	assert_string_equal(e, "a%20b/c%24~-._Z9%E1%88%B4");
	free(e);
	e = sigv4_uri_encode("a/b+c=", 6, 0);
	assert_string_equal(e, "a%2Fb%2Bc%3D");
	free(e);
}

static void
test_refusals(void **state)
{
	const struct sigv4_header good[] = {
	    {"Host", SUITE_HOST},
	    {"X-Amz-Date", SUITE_DATE},
	};
	const struct sigv4_header newline[] = {
	    {"Host", SUITE_HOST},
	    {"X-Evil", "a\r\nInjected: yes"},
	};
	const struct sigv4_header badname[] = {
	    {"Ho st", SUITE_HOST},
	};
	struct sigv4_request r = suite_request("GET", good, 2);
	struct sigv4_result res;

	(void)state;
	r.amz_date = "20150830T1236Z";
	assert_int_equal(sigv4_sign(&r, &res), -1);
	r.amz_date = "2015083XT123600Z";
	assert_int_equal(sigv4_sign(&r, &res), -1);
	r.amz_date = SUITE_DATE;
	r.path = "no-slash";
	assert_int_equal(sigv4_sign(&r, &res), -1);
	r.path = "/";
	r.headers = newline;
	assert_int_equal(sigv4_sign(&r, &res), -1);
	r.headers = badname;
	r.nheaders = 1;
	assert_int_equal(sigv4_sign(&r, &res), -1);
	r.headers = good;
	r.nheaders = 0;
	assert_int_equal(sigv4_sign(&r, &res), -1);
	r.nheaders = SIGV4_HEADERS_MAX + 1;
	assert_int_equal(sigv4_sign(&r, &res), -1);
	/* And the good request still signs: the refusals were the inputs. */
	r.nheaders = 2;
	assert_int_equal(sigv4_sign(&r, &res), 0);
	sigv4_result_free(&res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_get_vanilla),
	    cmocka_unit_test(test_get_vanilla_query_order_key_case),
	    cmocka_unit_test(test_post_x_www_form_urlencoded),
	    cmocka_unit_test(test_get_header_value_trim),
	    cmocka_unit_test(test_get_header_key_duplicate),
	    cmocka_unit_test(test_s3_get_object),
	    cmocka_unit_test(test_s3_put_object),
	    cmocka_unit_test(test_s3_bucket_queries),
	    cmocka_unit_test(test_helpers),
	    cmocka_unit_test(test_refusals),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
